from pmip.audit.actions import register

register("core.calendar.entered", "录入工作日历")
register("core.calendar.corrected", "更正工作日历")
