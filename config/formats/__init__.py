"""Date and time formats that replace Django's for the languages the site speaks."""
