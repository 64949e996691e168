for (const button of document.querySelectorAll("button[data-copy]")) {
  const field = document.getElementById(button.dataset.copy);
  const said = document.getElementById(button.dataset.copy + "-copied");
  button.hidden = false;
  button.addEventListener("click", async () => {
    let copied = true;
    try {
      await navigator.clipboard.writeText(field.value);
    } catch {
      field.select();
      copied = document.execCommand("copy");
    }
    said.textContent = copied ? button.dataset.copied : button.dataset.selected;
  });
}
