from django_tasks import task

from linkmall.customers.scoring.rescore import profile_rescore


@task()
def profile_rescore_task(merchant_id: int, user_id: int) -> str:
    return profile_rescore(merchant_id=merchant_id, user_id=user_id).intent_grade


@task()
def layers_recompute_task(merchant_id: int) -> dict:
    from linkmall.customers.scoring.layering import RecomputeRunning, layers_recompute

    try:
        return layers_recompute(merchant_id=merchant_id).counts
    except RecomputeRunning:
        return {"skipped": "running"}  # the run already going covers what this one asked for


@task()
def intent_train_task(merchant_id: int) -> dict:
    from linkmall.customers.scoring.training import intent_train

    return intent_train(merchant_id=merchant_id).metrics
