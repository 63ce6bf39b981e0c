"""The intake's pages for applicants and recommending units (server-rendered, in Chinese, no script needed)."""
