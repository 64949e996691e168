"""The database: tables, migrations, durable engines, rows as typed records, and the
group-commit writer."""
