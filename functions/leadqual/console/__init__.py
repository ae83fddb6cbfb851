"""The SDR and RevOps console: static pages the API function serves at /console/.

The pages hold no data: each is an HTML shell and a script that reads the API with the signed-in
person's credentials, as any other caller does, so a page can be cached, and a link to one shares
nothing but an id. Every string from a lead reaches the page as text (`textContent`), never markup.
"""
