from pmip.audit.actions import register

register("notifications.notification.created", "生成消息")
register("notifications.notification.read", "阅读消息")
register("notifications.notification.read_all", "全部标为已读")
register("notifications.preference.updated", "修改消息接收方式")
register("notifications.outbox.sent", "消息已发送")
register("notifications.outbox.dead", "消息发送失败（已放弃）")
register("notifications.broadcast.recorded", "登记群发通知")
register("notifications.broadcast.done", "群发通知完成")
