"""Technology readiness levels, GB/T 22900-2022 《科学技术研究项目评价通则》."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TRL(models.IntegerChoices):
    L1 = 1, _("1 级：发现基本原理或看到基本原理的报道")
    L2 = 2, _("2 级：形成技术概念或开发方案")
    L3 = 3, _("3 级：关键功能分析和实验结论成立")
    L4 = 4, _("4 级：实验室原理样机（组件）通过验证")
    L5 = 5, _("5 级：模拟环境下的原理样机（部件）通过验证")
    L6 = 6, _("6 级：相关环境下的演示样机（系统）通过验证")
    L7 = 7, _("7 级：典型使用环境下的工程样机通过验证")
    L8 = 8, _("8 级：实际系统完成并通过测试与试运行")
    L9 = 9, _("9 级：实际系统通过任务运行的成功考验，可销售")
