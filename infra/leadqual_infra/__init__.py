"""leadqual's CDK constructs: one per domain, composed by LeadqualStack."""
