"""The AMI channel an imported meter gets: the synthetic grid's proportions, the same on every
import, ONUs shared by two to four meters of one DP."""

from collections import Counter, defaultdict

from topology.feeder_import import ami_channels


def meters(count=6000, per_dp=12):
    return [{"code": f"load_{n}", "dp": f"tx_{n // per_dp}"} for n in range(count)]


def test_channels_follow_the_synthetic_grids_mix_and_never_change():
    channels = ami_channels(meters())

    kinds = Counter(channel[0] for channel in channels.values())
    share = {kind: count / len(channels) for kind, count in kinds.items()}
    assert abs(share["kaifa"] - 0.45) < 0.03 and abs(share["smart"] - 0.50) < 0.03
    assert 0.02 < share["conventional"] + share["prepaid"] < 0.08
    assert share["conventional"] > share["prepaid"]
    assert ami_channels(list(reversed(meters()))) == channels  # order of the model is no matter


def test_kaifa_meters_have_both_mrids_and_onus_serve_two_to_four_meters_of_one_dp():
    channels = ami_channels(meters())
    dp_of = {m["code"]: m["dp"] for m in meters()}
    onus = defaultdict(list)
    for code, (kind, asset, usage_point, onu, serial) in channels.items():
        if kind == "kaifa":
            assert (asset, usage_point, onu) == (f"KFM-{code}", f"UP-{code}", None)
        elif kind == "smart":
            assert asset is None and onu and serial.startswith("48575443")
            onus[onu].append(code)
        else:
            assert (asset, usage_point, onu, serial) == (None, None, None, None)
    assert len({dp_of[code] for codes in onus.values() for code in codes[:1]}) > 1
    for codes in onus.values():
        assert len({dp_of[code] for code in codes}) == 1
        assert 1 <= len(codes) <= 4  # the last ONU of a DP may have fewer
    assert Counter(len(codes) for codes in onus.values()).most_common(1)[0][0] in (2, 3, 4)
