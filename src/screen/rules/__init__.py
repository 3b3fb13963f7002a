"""The rule language, its static checks, its plain-words description and the data it reads."""
