"""Clock, ids and user-agent parsing: the only place allowed to read time or make ids."""
