"""The engine's rules and their default values: the one place they are listed.

Every rule the engine reads (`outages_rule(name, default)` in SQL) is a row of DEFAULT_RULES,
installed in the `normal` rule set, which stewards then edit in admin. Other sets (RULE_SETS)
hold only the rules they change (SET_RULES); any rule a set lacks is read from `normal`.

To add a rule: add its row here, read it in SQL with `outages_rule('name', <same default>)`,
and add a migration that installs it (and any set's value for it) into the database:

    from outages.defaults import rule_installer

    operations = [migrations.RunPython(*rule_installer("my_new_rule"))]
"""

from __future__ import annotations

from decimal import Decimal

NORMAL = "normal"

# (name, kind, value, description), installed in the `normal` set.
DEFAULT_RULES = [
    ("weight_scada", "source_weight", "1.0", "Confidence of SCADA telemetry at the device"),
    ("weight_kaifa", "source_weight", "0.8", "Weight recorded on a KAIFA head-end event"),
    ("weight_onu", "source_weight", "0.6", "Weight recorded on an ONU dying gasp"),
    ("weight_call_center", "source_weight", "0.4", "Confidence weight of one customer call"),
    ("weight_oms", "source_weight", "0.0", "Weight of the engine's own inferences"),
    ("weight_operator", "source_weight", "1.0", "Confidence of an operator's act or confirmation"),
    (
        "confidence_ami_cap",
        "source_weight",
        "0.95",
        "Most confidence AMI and calls alone give an outage (telemetry at its device or an "
        "operator's confirmation give their provider's weight)",
    ),
    (
        "confidence_full_share",
        "threshold",
        "0.8",
        "Share of a device's meters reporting off at which their reports count in full",
    ),
    (
        "confidence_meter_weight",
        "source_weight",
        "0.5",
        "Chance that one meter's report alone is real: n reporting meters give 1 - (1 - w)^n",
    ),
    (
        "confidence_call_share",
        "threshold",
        "0.2",
        "Share of a device's customers calling at which their calls count in full",
    ),
    ("dp_rollup_fraction", "threshold", "0.5", "Share of a DP's meters off that makes a DP outage"),
    (
        "dp_call_count",
        "threshold",
        "2",
        "Customers of one DP calling within the window that make a DP outage",
    ),
    ("feeder_rollup_dp_count", "threshold", "2", "DPs of one feeder out that make a feeder outage"),
    ("rollup_window_minutes", "window", "15", "Window inside which outages roll up"),
    ("momentary_max_minutes", "window", "5", "An outage restored within this is momentary"),
    (
        "restoration_step_minutes",
        "window",
        "5",
        "Meters restored within this of an outage's last one are its last restoration step",
    ),
    (
        "max_clock_skew_minutes",
        "window",
        "5",
        "Events dated more than this ahead of the server's clock are refused",
    ),
    (
        "max_event_age_hours",
        "window",
        "24",
        "Events older than this behind the newest applied event time are stored as stale",
    ),
]

# Prediction on the tree (CONTRACT §11): per kind, the share of the device's DPs (with meters,
# fed now) that must be out inside one rollup window, and the least number of distinct DPs out.
# A share above 1 never predicts that kind (a switch does not interrupt a fault).
PREDICTION_RULES = [
    (f"{kind}_rollup_{rule}", "threshold", value, text.format(kind=kind))
    for kind, fraction, count in (
        ("fuse", "0.5", "2"),
        ("sectionalizer", "0.5", "2"),
        ("recloser", "0.5", "2"),
        ("switch", "2", "2"),
        ("feeder", "0.5", None),  # feeder_rollup_dp_count is above
        ("substation", "0.75", "2"),
    )
    for rule, value, text in (
        ("fraction", fraction, "Share of a {kind}'s DPs out that makes a {kind} outage"),
        ("dp_count", count, "Least DPs out below a {kind} that make a {kind} outage"),
    )
    if value is not None
]
DEFAULT_RULES += PREDICTION_RULES
# The single-meter wait and the settling time before a contradicted prediction is re-placed.
WAIT_RULES = [
    (
        "single_meter_wait_seconds",
        "window",
        "60",
        "A single meter's outage evidence waits this long before it is an outage",
    ),
    (
        "replace_settle_seconds",
        "window",
        "120",
        "Meters below a predicted outage report power while others stay out this long "
        "before the outage is re-placed",
    ),
    (
        "nested_margin_seconds",
        "window",
        "10",
        "A DP or meter outage that started this long before its device's outage is a fault "
        "of its own: not absorbed by the device's opening, not ended by its re-energization",
    ),
]
DEFAULT_RULES += WAIT_RULES
# The restoration check (CONTRACT §11): meters a device's re-energization set on by inference
# that send no power-up, judged in groups (a lost power-up is no outage).
RESTORATION_CHECK_RULES = [
    (
        "restoration_check_seconds",
        "window",
        "600",
        "After a device is re-energized, its meters have this long (in event time, or on the "
        "server's clock once nothing newer arrives) to report power before silence counts",
    ),
    (
        "restoration_check_back_share",
        "threshold",
        "0.1",
        "Share of a re-energized device's meters (reporters) that must report power for the "
        "silence of the others to count (none back: AMI did not report, nothing is judged)",
    ),
    (
        "restoration_check_min_reporters",
        "threshold",
        "2",
        "Least silent reporters (meters, or ONUs) of one transformer or device that make it "
        "an outage after a restoration: one silent meter is a lost power-up",
    ),
]
DEFAULT_RULES += RESTORATION_CHECK_RULES

# The rule sets shipped: (name, description). `normal` is active on a new database.
RULE_SETS = [
    (NORMAL, "Everyday rules: every rule's value; other sets fall back to these."),
    (
        "storm",
        "Storm mode: many independent faults at once and noisy AMI. Roll-up waits for more "
        "evidence (a larger share of a DP's meters, more DPs of a feeder) over a wider window, "
        "so scattered transformer faults are not merged into one feeder outage.",
    ),
]

# Values a set other than `normal` gives a rule: (set, name, value).
SET_RULES = [
    ("storm", "dp_rollup_fraction", "0.6"),
    ("storm", "feeder_rollup_dp_count", "3"),
    ("storm", "rollup_window_minutes", "30"),
]

RULE_NAMES = frozenset(name for name, *_ in DEFAULT_RULES)
RULE_KINDS = {name: kind for name, kind, *_ in DEFAULT_RULES}


def default_value(name: str) -> Decimal:
    return next(Decimal(value) for rule, _, value, _ in DEFAULT_RULES if rule == name)


def install_rules(apps, names: frozenset[str] | None = None) -> None:
    """Install the rules (all, or those named) that are missing, and the shipped sets.

    Idempotent (values stewards changed are kept), and written for every state of the schema a
    data migration may run in: before rule sets existed each rule was one row by name; once they
    exist, the defaults go into `normal` and SET_RULES into their sets.
    """
    Rule = apps.get_model("outages", "CorrelationRule")
    wanted = [row for row in DEFAULT_RULES if names is None or row[0] in names]
    if "rule_set" not in {field.name for field in Rule._meta.get_fields()}:
        for name, kind, value, description in wanted:
            Rule.objects.get_or_create(
                rule_name=name,
                defaults={"rule_type": kind, "value": value, "description": description},
            )
        return
    RuleSet = apps.get_model("outages", "RuleSet")
    sets = {}
    for set_name, description in RULE_SETS:
        sets[set_name], _ = RuleSet.objects.get_or_create(
            name=set_name, defaults={"description": description}
        )
    if not RuleSet.objects.filter(active=True).exists():
        RuleSet.objects.filter(pk=sets[NORMAL].pk).update(active=True)
    # Rows from before rule sets were the normal values.
    Rule.objects.filter(rule_set__isnull=True).update(rule_set=sets[NORMAL])
    descriptions = {name: description for name, _, _, description in DEFAULT_RULES}
    rows = [(NORMAL, name, value) for name, _, value, _ in wanted] + [
        row for row in SET_RULES if names is None or row[1] in names
    ]
    for set_name, name, value in rows:
        Rule.objects.get_or_create(
            rule_set=sets[set_name],
            rule_name=name,
            defaults={
                "rule_type": RULE_KINDS[name],
                "value": value,
                "description": descriptions[name],
            },
        )


def uninstall_rules(apps, names: frozenset[str]) -> None:
    apps.get_model("outages", "CorrelationRule").objects.filter(rule_name__in=names).delete()


def rule_installer(*names: str):
    """(forward, reverse) for `migrations.RunPython`: install the named rules, or remove them."""
    unknown = set(names) - RULE_NAMES
    if unknown:
        raise ValueError(f"not in DEFAULT_RULES: {', '.join(sorted(unknown))}")
    chosen = frozenset(names)

    def install(apps, schema_editor):
        install_rules(apps, chosen)

    def uninstall(apps, schema_editor):
        uninstall_rules(apps, chosen)

    return install, uninstall
