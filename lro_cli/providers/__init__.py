"""Provider adapters: each turns its provider's HTTP and JSON into neutral `PollResult`s."""
