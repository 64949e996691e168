"""How a build goes faster without the pipeline knowing: the `Runner` (forked workers, Markdown
converted early, remembered results) and the Markdown prefilter extension."""
