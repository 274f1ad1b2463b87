// The host's entry point; the CLI is built in the host issue's first cut.
return 0;
