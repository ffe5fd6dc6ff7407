"""The live what-if explorer (`siege-explore`): a Dash app on 127.0.0.1 whose controls are the
levers an analyst asks about, in words; each run is a paired comparison of the scenario as
configured against the user's settings, shown side by side with the command that reproduces it."""
