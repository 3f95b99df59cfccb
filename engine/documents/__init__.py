"""Documents: files uploaded through a form's file picker, kept with their hash, size, type
(read from the bytes) and uploader, versioned per form field of a case, readable by whoever
may see the case."""
