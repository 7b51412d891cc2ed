"""The catalog's pages: needs and achievements (listings), experts, attachments."""
