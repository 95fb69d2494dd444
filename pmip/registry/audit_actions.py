from pmip.audit.actions import register

register("registry.project.updated", "修改基础信息")
register("registry.import.completed", "导入物业项目数据")
register("registry.title.copied", "复制产权信息")
register("registry.demo.loaded", "加载演示数据")

# The working-day calendar (pmip.core.workdays) is entered through pmip.registry.calendar, which records these; the
# codes keep their historic "core." prefix.
register("core.calendar.entered", "录入工作日历")
register("core.calendar.corrected", "更正工作日历")
