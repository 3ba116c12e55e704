"""The 申报书 form agent: schema, validation, guided flow, drafts, export and draft checking."""
