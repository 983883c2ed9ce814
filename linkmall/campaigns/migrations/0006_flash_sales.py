# Flash sales (秒杀): the sale with its own stock, the buyers' per-user counters, the admitted entries.

import django.db.models.deletion
import django.db.models.expressions
import linkmall.core.clock
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('campaigns', '0005_layer_offers'),
        ('stores', '0002_listing_early_access'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='FlashSale',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=60)),
                ('starts_at', models.DateTimeField()),
                ('ends_at', models.DateTimeField()),
                ('price_fen', models.BigIntegerField()),
                ('stock', models.PositiveIntegerField()),
                ('held', models.PositiveIntegerField(default=0)),
                ('sold', models.PositiveIntegerField(default=0)),
                ('returned', models.PositiveIntegerField(default=0)),
                ('per_user_limit', models.PositiveIntegerField(default=1)),
                ('payment_minutes', models.PositiveIntegerField(default=5)),
                ('funder', models.CharField(choices=[('merchant', '商家'), ('platform', '平台')], default='merchant', max_length=10)),
                ('rewards', models.BooleanField(default=False)),
                ('status', models.CharField(choices=[('draft', '草稿'), ('active', '进行中'), ('paused', '已暂停'), ('ended', '已结束')], default='draft', max_length=8)),
                ('created_at', models.DateTimeField(default=linkmall.core.clock.now)),
                ('listing', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='flash_sales', to='stores.listing')),
                ('merchant', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='flash_sales', to='stores.merchant')),
            ],
        ),
        migrations.CreateModel(
            name='FlashEntry',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('order_id', models.BigIntegerField(unique=True)),
                ('quantity', models.PositiveIntegerField()),
                ('status', models.CharField(choices=[('held', '待支付'), ('sold', '已支付'), ('released', '已释放')], default='held', max_length=8)),
                ('created_at', models.DateTimeField(default=linkmall.core.clock.now)),
                ('buyer', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('sale', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='entries', to='campaigns.flashsale')),
            ],
        ),
        migrations.CreateModel(
            name='FlashBuyer',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('taken', models.PositiveIntegerField(default=0)),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('sale', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='buyers', to='campaigns.flashsale')),
            ],
        ),
        migrations.AddIndex(
            model_name='flashsale',
            index=models.Index(fields=['merchant', 'starts_at'], name='flash_sale_merchant_start'),
        ),
        migrations.AddConstraint(
            model_name='flashsale',
            constraint=models.CheckConstraint(condition=models.Q(('price_fen__gt', 0)), name='flash_sale_price_positive'),
        ),
        migrations.AddConstraint(
            model_name='flashsale',
            constraint=models.CheckConstraint(condition=models.Q(('stock__gt', 0)), name='flash_sale_stock_positive'),
        ),
        migrations.AddConstraint(
            model_name='flashsale',
            constraint=models.CheckConstraint(condition=models.Q(('held__gte', 0), ('returned__gte', 0), ('sold__gte', 0), ('stock__gte', django.db.models.expressions.CombinedExpression(django.db.models.expressions.CombinedExpression(models.F('sold'), '+', models.F('held')), '+', models.F('returned')))), name='flash_sale_not_oversold'),
        ),
        migrations.AddConstraint(
            model_name='flashsale',
            constraint=models.CheckConstraint(condition=models.Q(('per_user_limit__gt', 0)), name='flash_sale_per_user_positive'),
        ),
        migrations.AddConstraint(
            model_name='flashsale',
            constraint=models.CheckConstraint(condition=models.Q(('payment_minutes__gte', 1), ('payment_minutes__lte', 60)), name='flash_sale_payment_window'),
        ),
        migrations.AddConstraint(
            model_name='flashsale',
            constraint=models.CheckConstraint(condition=models.Q(('ends_at__gt', models.F('starts_at'))), name='flash_sale_ends_after_start'),
        ),
        migrations.AddConstraint(
            model_name='flashsale',
            constraint=models.CheckConstraint(condition=models.Q(('funder__in', ['merchant', 'platform'])), name='flash_sale_funder_valid'),
        ),
        migrations.AddConstraint(
            model_name='flashsale',
            constraint=models.CheckConstraint(condition=models.Q(('status__in', ['draft', 'active', 'paused', 'ended'])), name='flash_sale_status_valid'),
        ),
        migrations.AddIndex(
            model_name='flashentry',
            index=models.Index(fields=['sale', 'status'], name='flash_entry_sale_status'),
        ),
        migrations.AddConstraint(
            model_name='flashentry',
            constraint=models.CheckConstraint(condition=models.Q(('quantity__gt', 0)), name='flash_entry_quantity_positive'),
        ),
        migrations.AddConstraint(
            model_name='flashentry',
            constraint=models.CheckConstraint(condition=models.Q(('status__in', ['held', 'sold', 'released'])), name='flash_entry_status_valid'),
        ),
        migrations.AddConstraint(
            model_name='flashbuyer',
            constraint=models.UniqueConstraint(fields=('sale', 'user'), name='flash_buyer_unique'),
        ),
        migrations.AddConstraint(
            model_name='flashbuyer',
            constraint=models.CheckConstraint(condition=models.Q(('taken__gte', 0)), name='flash_buyer_taken_not_negative'),
        ),
    ]
