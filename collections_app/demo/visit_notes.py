"""What the demo's past visit reports say: notes per outcome, the supervisors' comments, the
reasons for cancelling, and the few reports written to trip a post-visit rule.

Only the scripted THREAT notes may contain a term of the CN pack's PROHIBITED_CONDUCT list
(tests check the rest never do); "家人", for one, is fine, "你家人" is not.
"""

from collections_app.models import Repayment
from visits.models.reports import Outcome

NOTES = {
    Outcome.NOT_HOME: (
        "敲门多次无人应答，已在门缝留下联系卡，请借款人回电。",
        "借款人不在家，物业称其白天外出工作，未透露来访事由。",
        "家中无人，电话未接通，下次改在傍晚前来。",
    ),
    Outcome.PROMISE_TO_PAY: (
        "借款人承认欠款，称近期收入不稳定，承诺{due}前通过手机银行还款{amount}元。",
        "与借款人当面核对欠款金额，借款人同意发工资后于{due}前还款{amount}元。",
        "借款人配偶在场，双方同意先还{amount}元（{due}前），剩余部分下次协商。",
    ),
    Outcome.PLAN_AGREED: (
        "借款人无力一次还清，双方商定分{count}期还款，首期{first}到期，已说明按期还款的重要性。",
        "借款人经营困难，同意按月分{count}期归还逾期款项，首期{first}。",
    ),
    Outcome.PAID: (
        "借款人当场通过手机银行还款{amount}元，已核对回单，回单号已记录。",
        "借款人当面用微信支付官方渠道还款{amount}元，未经手任何现金。",
    ),
    Outcome.REFUSED: (
        "借款人表示目前不打算还款，拒绝讨论还款安排，已告知还款渠道和客服热线。",
        "借款人认为利息过高，拒绝还款，要求与客服沟通。",
        "借款人情绪激动，要求我们离开，已按要求立即离开。",
    ),
    Outcome.MOVED: ("现住户称借款人已于半年前搬离，新住址不详，未透露来访事由。",),
    Outcome.DISPUTE_RAISED: (
        "借款人对罚息和违约金的计算有异议，要求银行提供还款明细，已记录并转交客服。",
    ),
    Outcome.HARDSHIP: (
        "借款人失业在家，家庭仅靠配偶收入维持，暂时无力还款，建议跟进困难帮扶政策。",
    ),
    Outcome.THIRD_PARTY_ONLY: ("仅见到借款人母亲，未透露任何欠款信息，请其转告借款人回电。",),
}

# Who paid at the door did so through an official channel, never in cash.
PAY_CHANNELS = (
    Repayment.Channel.MOBILE_BANKING,
    Repayment.Channel.WECHAT_PAY,
    Repayment.Channel.ALIPAY,
)
# Promises kept later: how the money came in.
LATER_CHANNELS = (
    Repayment.Channel.MOBILE_BANKING,
    Repayment.Channel.WECHAT_PAY,
    Repayment.Channel.BANK_TRANSFER,
    Repayment.Channel.COUNTER,
)

RETURN_COMMENTS = (
    "请补充借款人承诺还款的具体方式。",
    "备注过于简单，请写明借款人对逾期原因的说明。",
    "请核对在场人员是否勾选完整，并补充见面经过。",
)
RESUBMIT_NOTE = "（已按主管意见补充：借款人表示将通过手机银行按时还款，见面经过已核对。）"
OPEN_RETURN_COMMENT = "请补充借款人提到的收入变化和家庭情况，便于评估是否需要调整还款方案。"

CANCEL_REASONS = (
    "借款人来电称当天外出，要求另约时间。",
    "外访人员临时病假，改日再访。",
    "借款人已主动联系客服协商还款，暂缓上门。",
    "借款人回复通知要求改为电话沟通。",
)
NOT_DELIVERED_REASON = "通知未能及时送达借款人，取消本次上门，另行预约。"

# The scripted reports (collections_app.demo.history.Event).
THREAT_NOTES = "借款人多次推脱，同事情急之下说了“再不还就起诉你”，已当场向借款人道歉。"
THREAT_RETURN = "备注记录了不当言辞，请如实补充经过；此事已由合规部门另行核查。"
THREAT_RESUBMIT = "（补充：说话的是第二名外访人员，借款人当场接受道歉，未再提出异议。）"
FAR_NOTES = "导航定位到了相邻小区，签到后步行过去，与借款人在楼下见面。"
VULNERABLE_NOTES = "借款人身体状况很差，未谈及还款，建议暂停上门，改由客服电话跟进。"
VULNERABLE_NOTE = "借款人刚做完手术卧床在家，说话吃力，由家属陪同。"
COMPLAINT_NOTES = "借款人对联系频率不满，当场提出投诉，已登记并告知投诉渠道。"
COMPLAINT_TEXT = "借款人投诉近期多次接到催收电话，影响工作，要求减少联系频率。"
NO_RECORDING_NOTES = "录音笔电量耗尽，本次未能录音；借款人同意{due}前还款{amount}元。"
NO_RECORDING_RETURN = "未附录音，请上传手机备份录音后重新提交。"
NO_RECORDING_RESUBMIT = "（已补传手机备份录音。）"
