"""Customer relationship work of merchants and guides: profiles, tags, notes, reminders, timeline."""
