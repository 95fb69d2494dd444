from pmip.audit.actions import register

register("tendering.tender.created", "创建招标项目")
register("tendering.step.recorded", "登记招标步骤")
register("tendering.step.corrected", "更正招标步骤")
register("tendering.bidder.added", "登记投标人")
register("tendering.document.added", "上传招标文件")
