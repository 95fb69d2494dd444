from pmip.audit.actions import register

register("weather.warning.issued", "发布气象预警")
register("weather.subscription.on", "开启预警推送")
register("weather.subscription.off", "关闭预警推送")
register("weather.task.done", "完成预警检查")
