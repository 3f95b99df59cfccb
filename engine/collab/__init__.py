"""What people add to a case besides the process: comments (with @mentions), documents and
drafts of their unsent input."""
