"""The payments jobs on Huey's schedule; the work is in the services,
where tests call it directly."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from payments.services import payouts, reconcile, settlement


@db_periodic_task(crontab(minute="*/5"))
@lock_task("payments-lapse")
def lapse_unpaid():
    settlement.lapse_unpaid()


@db_periodic_task(crontab(minute="*/10"))
@lock_task("payments-settle")
def settle_due():
    settlement.settle_due()


@db_periodic_task(crontab(minute="20", hour="*/3"))
@lock_task("payments-renew-holds")
def renew_lapsing_deposits():
    settlement.deposit_renew_lapsing()


@db_periodic_task(crontab(minute="40", hour="4"))
@lock_task("payments-reconcile")
def reconcile_daily():
    reconcile.reconcile_recent()


@db_periodic_task(crontab(minute="10", hour="5"))
@lock_task("payments-payouts")
def transfer_payouts():
    payouts.payouts_transfer_all()
