"""Turn a session into what a person reads: terminal lines, Markdown, JSON, HTML and charts."""
