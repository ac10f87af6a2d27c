"""The sandbox's models move here from payments, rows and all.

Only Django's record of the models moves (state_operations): the tables stay what payments'
migrations 0001–0003 made them, `payments_sandboxtransaction` and `payments_sandboxrefund`, so a
database migrated by the code before the move keeps every row, and a fresh one gets the same
tables from payments' migrations first. payments 0006 forgets the models on its side; 0002 here
gives the tables this app's names. See docs/decisions.md.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("payments", "0005_refund_constraints"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='SandboxTransaction',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('mchid', models.CharField(max_length=32)),
                        ('appid', models.CharField(max_length=32)),
                        ('out_trade_no', models.CharField(max_length=32)),
                        ('trade_type', models.CharField(max_length=8)),
                        ('prepay_id', models.CharField(max_length=64, unique=True)),
                        ('transaction_id', models.CharField(max_length=32, unique=True)),
                        ('description', models.CharField(max_length=127)),
                        ('amount_total', models.BigIntegerField()),
                        ('notify_url', models.CharField(max_length=256)),
                        ('attach', models.CharField(blank=True, max_length=128)),
                        ('payer_openid', models.CharField(blank=True, max_length=128)),
                        ('trade_state', models.CharField(choices=[('NOTPAY', '未支付'), ('SUCCESS', '支付成功'), ('CLOSED', '已关闭'), ('REFUND', '转入退款')], default='NOTPAY', max_length=8)),
                        ('created_at', models.DateTimeField()),
                        ('success_time', models.DateTimeField(blank=True, null=True)),
                        ('notification_id', models.CharField(blank=True, max_length=64)),
                        ('notify_attempts', models.PositiveIntegerField(default=0)),
                        ('notified_at', models.DateTimeField(blank=True, null=True)),
                        ('refund_failures_left', models.PositiveIntegerField(default=0, help_text='The next N refunds of this transaction end in refund_failure_status')),
                        ('refund_failure_status', models.CharField(default='ABNORMAL', max_length=12)),
                        ('hold_refund_notifications', models.BooleanField(default=False, help_text='Settle refunds but do not deliver their notifications')),
                    ],
                    options={
                        'db_table': 'payments_sandboxtransaction',
                        'verbose_name': '沙箱交易',
                        'verbose_name_plural': '沙箱交易',
                        'ordering': ['-id'],
                        'constraints': [models.UniqueConstraint(fields=('mchid', 'out_trade_no'), name='sandbox_one_trade_per_out_trade_no'), models.CheckConstraint(condition=models.Q(('amount_total__gt', 0)), name='sandbox_amount_positive')],
                    },
                ),
                migrations.CreateModel(
                    name='SandboxRefund',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('out_refund_no', models.CharField(max_length=64)),
                        ('refund_id', models.CharField(max_length=32, unique=True)),
                        ('amount_refund', models.BigIntegerField()),
                        ('reason', models.CharField(blank=True, max_length=80)),
                        ('status', models.CharField(choices=[('PROCESSING', '退款处理中'), ('SUCCESS', '退款成功'), ('ABNORMAL', '退款异常'), ('CLOSED', '退款关闭')], default='SUCCESS', max_length=12)),
                        ('created_at', models.DateTimeField()),
                        ('success_time', models.DateTimeField(blank=True, null=True)),
                        ('submissions', models.PositiveIntegerField(default=1)),
                        ('notify_url', models.CharField(blank=True, max_length=256)),
                        ('notification_id', models.CharField(blank=True, max_length=64)),
                        ('notify_attempts', models.PositiveIntegerField(default=0)),
                        ('notified_at', models.DateTimeField(blank=True, null=True)),
                        ('trade', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='refunds', to='wechatpay_sandbox.sandboxtransaction')),
                    ],
                    options={
                        'db_table': 'payments_sandboxrefund',
                        'verbose_name': '沙箱退款',
                        'verbose_name_plural': '沙箱退款',
                        'ordering': ['-id'],
                        'constraints': [models.UniqueConstraint(fields=('trade', 'out_refund_no'), name='sandbox_one_refund_per_out_refund_no'), models.CheckConstraint(condition=models.Q(('amount_refund__gt', 0)), name='sandbox_refund_positive')],
                    },
                ),
            ],
        ),
    ]
