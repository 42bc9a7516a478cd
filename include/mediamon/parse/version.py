"""Version of the parse stage, stored with every record it produces.

Bump it whenever a change can alter a parsed field for the same input bytes, so that records
parsed by different rule sets can be told apart (and re-parsed) later.
"""

PARSER_VERSION = "0.3.9"
