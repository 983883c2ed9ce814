from django_tasks import task

from linkmall.customers.scoring.rescore import profile_rescore


@task()
def profile_rescore_task(merchant_id: int, user_id: int) -> str:
    return profile_rescore(merchant_id=merchant_id, user_id=user_id).intent_grade
