"""Mail, SMS, background tasks and export jobs: sealed and queued through RQ when Redis is
there (``config.ephemeral == "redis"``), run on this process's threads otherwise. The
direct senders deliver what either hands them."""

from __future__ import annotations

from dependency_injector import containers, providers

from adapters.notify.background import ThreadedExportQueue, ThreadedNotifier, ThreadedTasks
from adapters.notify.console import ConsoleNotifier
from adapters.notify.sms import ConsoleSmsSender, ThreadedSmsSender, WebhookSmsSender
from adapters.notify.smtp import SmtpNotifier
from adapters.notify.templates import NoticeRenderer
from adapters.rq.exports import RqExportQueue
from adapters.rq.notifier import QueuedNotifier
from adapters.rq.sealing import SealedNoticeCourier
from adapters.rq.sms import QueuedSmsSender, SealedSmsCourier
from adapters.rq.tasks import QueuedTasks, SealedTaskCourier
from entrypoints.exports import export_builder, export_giver_up
from entrypoints.settings import Settings
from entrypoints.tasks import task_runner


class Messaging(containers.DeclarativeContainer):
    config = providers.Configuration()
    settings = providers.Dependency(instance_of=Settings)
    core = providers.DependenciesContainer()
    state = providers.DependenciesContainer()
    root = providers.Dependency(instance_of=containers.DynamicContainer)
    """The whole container: a task or an export job runs a use case, and use cases send
    through this part."""

    renderer = providers.Singleton(NoticeRenderer, public_url=settings.provided.public_url)
    direct_notifier = providers.Selector(
        config.mail,
        smtp=providers.Singleton(
            SmtpNotifier,
            url=providers.Callable(
                lambda s: s.smtp_url.get_secret_value() if s.smtp_url else "", settings
            ),
            sender=settings.provided.mail_from,
            renderer=renderer,
        ),
        console=providers.Singleton(ConsoleNotifier, renderer=renderer),
    )
    notice_courier = providers.Singleton(
        SealedNoticeCourier, box=core.secret_box, notifier=direct_notifier
    )
    notifier = providers.Selector(
        config.ephemeral,
        redis=providers.Singleton(QueuedNotifier, queues=state.queues, box=core.secret_box),
        memory=providers.Singleton(ThreadedNotifier, inner=direct_notifier),
    )

    direct_sms = providers.Selector(
        config.sms,
        webhook=providers.Singleton(
            WebhookSmsSender,
            url=providers.Callable(
                lambda s: s.sms_webhook_url.get_secret_value() if s.sms_webhook_url else "",
                settings,
            ),
        ),
        console=providers.Singleton(ConsoleSmsSender),
    )
    sms_courier = providers.Singleton(
        SealedSmsCourier, box=core.secret_box, sender=direct_sms, clock=core.clock
    )
    sms_sender = providers.Selector(
        config.ephemeral,
        redis=providers.Singleton(QueuedSmsSender, queues=state.queues, box=core.secret_box),
        memory=providers.Singleton(ThreadedSmsSender, inner=direct_sms),
    )

    run_task = providers.Singleton(task_runner, root)
    task_courier = providers.Singleton(SealedTaskCourier, box=core.secret_box, run=run_task)
    background_tasks = providers.Selector(
        config.ephemeral,
        redis=providers.Singleton(QueuedTasks, queues=state.queues, box=core.secret_box),
        memory=providers.Singleton(ThreadedTasks, run=run_task),
    )

    export_queue = providers.Selector(
        config.ephemeral,
        redis=providers.Singleton(RqExportQueue, queues=state.queues),
        memory=providers.Singleton(
            ThreadedExportQueue,
            build=providers.Callable(export_builder, root),
            give_up=providers.Callable(export_giver_up, root),
        ),
    )
