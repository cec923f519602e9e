"""Translation of every text a person reads (gettext catalogs)."""
