"""Default provider vocabularies (CONTRACT §3), installed by a data migration."""

DEFAULT_VOCABULARY = [
    # SCADA: the real feed's words and the legacy ones.
    ("scada", "eventType", "MV_AlarmLossOfVoltage", "off"),
    ("scada", "alarmType", "De-energized", "off"),
    ("scada", "alarmType", "fault", "off"),
    ("scada", "alarmType", "breaker_trip", "off"),
    ("scada", "alarmType", "power_failure", "off"),
    ("scada", "alarmType", "outage", "off"),
    ("scada", "eventType", "breaker_trip", "off"),
    ("scada", "eventType", "MV_AlarmRestoration", "on"),
    ("scada", "alarmType", "Energized", "on"),
    ("scada", "alarmType", "breaker_close", "on"),
    ("scada", "alarmType", "restored", "on"),
    ("scada", "eventType", "breaker_close", "on"),
    # ONU dying gasp and power restored.
    ("onu", "type", "ONU_LastGaspAlert", "off"),
    ("onu", "type", "ONU_PowerRestored", "on"),
    # KAIFA / IEC 61968-9 EndDeviceEventType.
    ("kaifa", "EndDeviceEventType", "PowerOutage", "off"),
    ("kaifa", "EndDeviceEventType", "3.26.0.85", "off"),
    ("kaifa", "EndDeviceEventType", "3.26.0.47", "off"),
    ("kaifa", "EndDeviceEventType", "3.26.136.47", "off"),
    ("kaifa", "EndDeviceEventType", "3.26.136.66", "off"),
    ("kaifa", "EndDeviceEventType", "3.26.17.185", "off"),
    ("kaifa", "EndDeviceEventType", "26.26.0.85", "off"),
    ("kaifa", "EndDeviceEventType", "PowerRestored", "on"),
    ("kaifa", "EndDeviceEventType", "3.26.0.216", "on"),
    ("kaifa", "EndDeviceEventType", "3.26.17.216", "on"),
    ("kaifa", "EndDeviceEventType", "3.26.136.216", "on"),
    ("kaifa", "EndDeviceEventType", "26.26.0.216", "on"),
]

# SCADA status of a telemetered device (CONTRACT §10), in eventType or alarmType: installed by
# ingest/migrations/0015 (the evidence values exist from there on). A recloser reports TRIP then
# RECLOSE (a momentary outage) or TRIP … LOCKOUT (it stays open); breakers and switches report
# OPEN / CLOSED. The legacy breaker_trip / breaker_close keep the seed's meaning above (loss of
# voltage and restoration at the feeder or device named, its state unchanged).
DEVICE_STATUS_CODES = {
    "open": ["BREAKER_OPEN", "OPEN", "OPENED", "TRIP", "TRIPPED", "LOCKOUT", "LOCKED_OUT"],
    "closed": ["BREAKER_CLOSE", "BREAKER_CLOSED", "CLOSE", "CLOSED", "RECLOSE", "RECLOSED"],
}
DEVICE_STATUS_VOCABULARY = [
    ("scada", field, code, evidence)
    for evidence, codes in DEVICE_STATUS_CODES.items()
    for code in codes
    for field in ("eventType", "alarmType")
]
