"""The explicit registry of every lint rule, in catalogue order."""

from __future__ import annotations

from msgarch.lint.rule import Rule
from msgarch.lint.rules.structure import (
    AmbiguousBroker, ContradictoryFigures, DuplicateName, OrphanComponent, SelfFlow, UnknownReference,
    UnusedDeclaration, UnusedSuppression,
)
from msgarch.lint.rules.patterns import MixedMessageTypes, PatternInferred, PatternUnsupported, QueueWithFanout
from msgarch.lint.rules.topology import (
    BroadcastPerInstance, DeadChannel, PatternMatchesNothing, UnknownChannel, UnroutablePublish,
)
from msgarch.lint.rules.broker_fit import (
    DeliveryGuarantee, DurableSubscription, LatencyClass, MessageTooLarge, NoDeadLetter, NoDelay, NoPriority,
    NoReplay, NoRouting, NotDurable, NoTtl, OrderingAtRisk,
)
from msgarch.lint.rules.broker_fit import BrokerSizing, TtlBeforeDelay
from msgarch.lint.rules.capacity import (
    BrokerOverloaded, CapacityUnknown, ConsumerHeadroom, ConsumerOverloaded, GrowthRunway, Hotspot,
    IsolateHeavyFlow,
)
from msgarch.lint.rules.delivery import (
    DeadLetterUnread, DeliveryChainBroken, IdleCompetitors, LateStartLoses, OrderKeyMismatch, RedeliveryTimer,
    RequeueLoop, UnboundedPrefetch,
)
from msgarch.lint.rules.latency import BacklogBudget, LatencyBudget, LatencyUnknown
from msgarch.lint.rules.drift import DeclaredButMissing, PresentButUndeclared, SettingDiffers
from msgarch.lint.rules.interop import BindingMismatch
from msgarch.lint.rules.resilience import (
    ChattyCoupling, DeepSyncChain, DuplicateDelivery, SinglePointOfFailure, SyncCycle, TimeoutBelowLatency,
)

RULES: tuple[type[Rule], ...] = (
    # S: structure of the model
    UnknownReference,
    DuplicateName,
    OrphanComponent,
    UnusedDeclaration,
    AmbiguousBroker,
    SelfFlow,
    UnusedSuppression,
    ContradictoryFigures,
    # P: messaging patterns
    QueueWithFanout,
    PatternUnsupported,
    PatternInferred,
    MixedMessageTypes,
    # T: channels, routes, publishes and consumes (language v2)
    UnroutablePublish,
    DeadChannel,
    UnknownChannel,
    PatternMatchesNothing,
    BroadcastPerInstance,
    # D: the delivery chain as configured (language v2)
    DeliveryChainBroken,
    RequeueLoop,
    DeadLetterUnread,
    RedeliveryTimer,
    LateStartLoses,
    IdleCompetitors,
    OrderKeyMismatch,
    UnboundedPrefetch,
    # B: broker fit
    NotDurable,
    DeliveryGuarantee,
    NoPriority,
    NoTtl,
    NoDelay,
    NoDeadLetter,
    NoReplay,
    MessageTooLarge,
    OrderingAtRisk,
    NoRouting,
    LatencyClass,
    DurableSubscription,
    BrokerSizing,
    TtlBeforeDelay,
    # C: capacity and growth
    ConsumerOverloaded,
    ConsumerHeadroom,
    BrokerOverloaded,
    GrowthRunway,
    Hotspot,
    IsolateHeavyFlow,
    CapacityUnknown,
    # L: latency
    LatencyBudget,
    BacklogBudget,
    LatencyUnknown,
    # R: resilience and dependencies
    SyncCycle,
    SinglePointOfFailure,
    DeepSyncChain,
    DuplicateDelivery,
    TimeoutBelowLatency,
    ChattyCoupling,
)


#: X: drift against a broker. Run by `msgarch drift` only (they need a second source),
#: never by lint; listed, documented and explained like every other rule.
DRIFT_RULES: tuple[type[Rule], ...] = (
    DeclaredButMissing,
    PresentButUndeclared,
    SettingDiffers,
)

#: X: found while AsyncAPI documents are merged. Reported by `msgarch import asyncapi` only
#: (the model holds one value, so lint cannot see two); listed and documented like every rule.
IMPORT_RULES: tuple[type[Rule], ...] = (
    BindingMismatch,
)

#: Every rule msgarch has: the lint rules, then the drift rules, then the import rules.
CATALOGUE: tuple[type[Rule], ...] = RULES + DRIFT_RULES + IMPORT_RULES


def find_rule(code_or_name: str) -> type[Rule] | None:
    """A rule by its code (`B203`, any case) or its name (`no-priority`)."""
    wanted = code_or_name.strip()
    for rule in CATALOGUE:
        if rule.code == wanted.upper() or rule.name == wanted.lower():
            return rule
    return None
