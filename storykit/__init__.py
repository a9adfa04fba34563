"""storykit: several articles about one event, merged into one story, published as PDF, EPUB 3 and text."""

__version__ = "0.1.0"
