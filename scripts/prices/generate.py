#!/usr/bin/env python3
"""Generates the router's bundled price table from a genai-prices database snapshot.

    python3 scripts/prices/generate.py --database <genai-prices data.json> \
        --commit <genai-prices commit> --snapshot-date <YYYY-MM-DD>

Reads the database and the hand-kept scripts/prices/supplement.json (the facts genai-prices does not
have: output limits, tool-use prompt tokens, priority and flex prices, web-search fees, Anthropic's
1-hour cache-write rule) and writes router-core's prices.json and prices.json.LICENSE. It prints the
models whose prices were added, removed or changed compared with the prices.json it replaces, and
stops with an error on anything the router's format cannot represent, rather than dropping it.

--check regenerates in memory and compares with the committed files (exit 1 on a difference);
--commit and --snapshot-date then default to the committed file's.

--import-seed <LiteLLM pricing.json> rewrites supplement.json's "models" from the router's former
LiteLLM table (the one-off import that populated it; kept so the import is reproducible).

Python 3 standard library only.
"""

import argparse
import datetime
import json
import os
import re
import sys
from decimal import Decimal

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SUPPLEMENT = os.path.join(REPO, "scripts", "prices", "supplement.json")
OUT_DIR = os.path.join(
    REPO, "router-core", "src", "main", "resources", "io", "ironcage", "router", "core", "config"
)
OUT = os.path.join(OUT_DIR, "prices.json")
OUT_LICENSE = OUT + ".LICENSE"
SOURCE_URL = "https://github.com/pydantic/genai-prices"

# genai-prices price key -> our key; cache_audio_read_mtok is handled on its own (see audio_cache_read)
PRICE_KEYS = {
    "input_mtok": "input",
    "output_mtok": "output",
    "cache_read_mtok": "cache_read",
    "cache_write_mtok": "cache_write",
    "input_audio_mtok": "input_audio",
    "output_audio_mtok": "output_audio",
}
KNOWN_KEYS = set(PRICE_KEYS) | {"cache_audio_read_mtok", "requests_kcount"}
MAX_DECIMALS = 6  # µ$ per million tokens must be a whole number
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class Unrepresentable(Exception):
    pass


def fail(where, message):
    raise Unrepresentable(where + ": " + message)


# --- genai-prices match rules (types.py: case-insensitive, regex is re.search on the lowercased name) ---


def matches(rule, model):
    name = model.lower()
    if "equals" in rule:
        return name == rule["equals"].lower()
    if "starts_with" in rule:
        return name.startswith(rule["starts_with"].lower())
    if "ends_with" in rule:
        return name.endswith(rule["ends_with"].lower())
    if "contains" in rule:
        return rule["contains"].lower() in name
    if "regex" in rule:
        return re.search(rule["regex"], name) is not None
    if "or" in rule:
        return any(matches(r, model) for r in rule["or"])
    if "and" in rule:
        return all(matches(r, model) for r in rule["and"])
    raise Unrepresentable("unknown match clause " + json.dumps(rule, sort_keys=True))


def check_match(where, rule):
    keys = list(rule)
    if len(keys) != 1 or keys[0] not in (
        "equals", "starts_with", "ends_with", "contains", "regex", "or", "and"):
        fail(where, "unknown match clause " + json.dumps(rule, sort_keys=True))
    key = keys[0]
    if key in ("or", "and"):
        if not isinstance(rule[key], list) or not rule[key]:
            fail(where, "'%s' must be a non-empty list" % key)
        for r in rule[key]:
            check_match(where, r)
    elif not isinstance(rule[key], str):
        fail(where, "'%s' must be a string" % key)


def candidates(model):
    """The names the router tries, in order: as given, without provider/, without a date, both."""
    names = [model]
    slash = model.find("/")
    unprefixed = model[slash + 1:] if 0 < slash < len(model) - 1 else None
    if unprefixed:
        names.append(unprefixed)
    undated = without_date(model)
    if undated:
        names.append(undated)
    if unprefixed and without_date(unprefixed):
        names.append(without_date(unprefixed))
    return names


def without_date(model):
    """Drops a trailing -YYYY-MM-DD or -YYYYMMDD that is a real date in 2000-2099 (as the router)."""
    m = re.search(r"-(\d{4})-(\d{2})-(\d{2})$", model) or re.search(r"-(\d{4})(\d{2})(\d{2})$", model)
    if not m or not 2000 <= int(m.group(1)) <= 2099:
        return None
    try:
        datetime.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None
    return model[: m.start()]


def lookup(providers, model):
    for name in candidates(model):
        for provider in providers:
            for entry in provider["models"]:
                if matches(entry["match"], name):
                    return provider["id"], entry
    return None


# --- prices ---


def dollars(where, key, value):
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        fail(where, "%s must be a number, got %r" % (key, value))
    d = Decimal(value)
    if d < 0:
        fail(where, "%s must not be negative, got %s" % (key, d))
    if d != d.quantize(Decimal(1).scaleb(-MAX_DECIMALS)):
        fail(where, "%s has more than %d decimals in $/Mtok: %s" % (key, MAX_DECIMALS, d))
    return d


def split_tiers(where, prices, starts):
    """Base prices, and the prices above the one tier start (recorded in starts)."""
    base, above = {}, {}
    for key, value in prices.items():
        if key not in KNOWN_KEYS:
            fail(where, "unknown price key '%s'" % key)
        if isinstance(value, dict):
            if set(value) != {"base", "tiers"} or len(value["tiers"]) != 1:
                fail(where, "%s: only a base and one tier can be represented" % key)
            tier = value["tiers"][0]
            starts.add(tier["start"])
            base[key] = dollars(where, key, value["base"])
            above[key] = dollars(where, key + " tier", tier["price"])
        else:
            base[key] = dollars(where, key, value)
    if len(starts) > 1:
        fail(where, "several tier starts %s" % sorted(starts))
    return base, above


def ours(where, genai):
    out = {}
    for key, value in genai.items():
        if key == "requests_kcount":
            if value != 0:
                fail(where, "a per-request price (requests_kcount) cannot be represented")
            continue
        if key == "cache_audio_read_mtok":
            # billed as a plain cache read: only sound when that price is the same
            if value != genai.get("cache_read_mtok"):
                fail(where, "cache_audio_read_mtok %s differs from cache_read_mtok" % value)
            continue
        out[PRICE_KEYS[key]] = value
    return out


def class_prices(where, spec):
    out = {}
    for key in ("input", "output", "cache_read", "cache_write"):
        if key in spec:
            out[key] = dollars(where, key, spec[key])
    return out


def model_entry(provider, model, supplement):
    where = "%s model '%s'" % (provider, model["id"])
    rules = supplement["providers"].get(provider, {})
    key = provider + "/" + model["id"]
    # "manual" facts (kept by hand, each with its source) win over the imported "models" ones
    extra = dict(supplement["models"].get(key, {}))
    extra.update(supplement.get("manual", {}).get(key, {}))
    check_match(where, model["match"])
    variants = model["prices"] if isinstance(model["prices"], list) else [{"prices": model["prices"]}]
    out_prices, starts = [], set()
    for i, variant in enumerate(variants):
        unknown = set(variant) - {"prices", "constraint"}
        if unknown:
            fail(where, "unknown price variant fields %s" % sorted(unknown))
        constraint = variant.get("constraint")
        price = {}
        if constraint is not None:
            if set(constraint) != {"start_date"} or not DATE.match(str(constraint["start_date"])):
                fail(where, "only a start_date constraint can be represented, got %s"
                     % json.dumps(constraint, sort_keys=True))
            price["from"] = constraint["start_date"]
        elif i > 0:
            fail(where, "only the first price variant may be without a constraint")
        base, above = split_tiers(where, variant["prices"], starts)
        std = ours(where, base)
        if "input" not in std and "output" not in std:
            return None  # nothing the router can bill (e.g. moderation)
        if "output" not in std and not model["id"].startswith("text-embedding"):
            # a free output would bill every output token at $0
            fail(where, "no output price (only embedding models may have none); exclude it in"
                 " the supplement if the router cannot meter it")
        std.setdefault("input", Decimal(0))
        std.setdefault("output", Decimal(0))
        for key, value in extra.get("usd_per_mtok", {}).items():
            if key not in PRICE_KEYS.values():
                fail(where, "supplement usd_per_mtok: unknown key '%s'" % key)
            std[key] = dollars(where, "supplement " + key, value)
        if "long_context" in extra:
            if above:
                fail(where, "the supplement gives long-context prices the database already has")
            lc_extra = extra["long_context"]
            starts.add(lc_extra["above_input_tokens"])
            above = {k + "_mtok": v for k, v in class_prices(where + " long_context",
                                                              lc_extra["usd_per_mtok"]).items()}
        multiplier = rules.get("cache_write_1h_input_multiplier")
        if multiplier is not None:
            std["cache_write_1h"] = std["input"] * Decimal(str(multiplier))
        price["usd_per_mtok"] = std
        if above:
            lc = ours(where, above)
            if multiplier is not None and "input" in lc:
                lc["cache_write_1h"] = lc["input"] * Decimal(str(multiplier))
            price["long_context"] = {"above_input_tokens": starts.copy().pop(), "usd_per_mtok": lc}
        # the supplement's service-tier prices are today's: only the last variant gets them, so
        # a request dated under older prices is billed at those standard prices, never below
        for tier in ("priority", "flex"):
            if tier in extra and i == len(variants) - 1:
                price[tier] = class_prices(where + " " + tier, extra[tier])
        out_prices.append(price)
    if len(out_prices) > 1:
        dates = [p["from"] for p in out_prices[1:]]
        if dates != sorted(dates) or len(set(dates)) != len(dates):
            fail(where, "start dates must increase")
    entry = {"id": model["id"], "match": model["match"], "prices": out_prices}
    # the supplement's window wins: genai-prices gives some models the window of a beta header
    # (Anthropic's context-1m), which the router widens to only when a request sends it
    window = extra.get("context_window", model.get("context_window"))
    if window is not None:
        entry["context_window"] = window
    for key in ("max_output_tokens", "tool_use_system_prompt_tokens"):
        if key in extra:
            entry[key] = extra[key]
    fee = extra.get("web_search_usd_per_call", rules.get("web_search_usd_per_call"))
    if fee is not None:
        entry["web_search_usd_per_call"] = dollars(where, "web_search_usd_per_call", fee)
    return entry


def generate(database, supplement, providers, commit, snapshot_date):
    by_id = {p["id"]: p for p in database}
    missing = [p for p in providers if p not in by_id]
    if missing:
        raise Unrepresentable("providers not in the database: %s" % missing)
    out = []
    for provider in providers:
        models = []
        # the supplement's own models come first, so that their rules win (first match wins)
        added = supplement.get("add_models", {}).get(provider, [])
        clash = {m["id"] for m in added} & {m["id"] for m in by_id[provider]["models"]}
        if clash:
            raise Unrepresentable("supplement add_models repeats database ids %s" % sorted(clash))
        for model in added + by_id[provider]["models"]:
            if provider + "/" + model["id"] in supplement.get("exclude", {}):
                continue
            entry = model_entry(provider, model, supplement)
            if entry is not None:
                models.append(entry)
        out.append({"id": provider, "models": models})
    known = {p["id"] + "/" + m["id"] for p in out for m in p["models"]}
    stale = sorted((set(supplement["models"]) | set(supplement.get("manual", {}))) - known)
    if stale:
        raise Unrepresentable("supplement.json names models the table does not have: %s" % stale)
    return {
        "source": {
            "database": "genai-prices",
            "url": SOURCE_URL,
            "commit": commit,
            "snapshot_date": snapshot_date,
        },
        "providers": out,
    }


# --- deterministic JSON: sorted keys, two-space indent, decimals as written (no exponent) ---


def dump(value, indent=0):
    pad = "  " * (indent + 1)
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = ['%s%s: %s' % (pad, json.dumps(k), dump(value[k], indent + 1)) for k in sorted(value)]
        return "{\n" + ",\n".join(items) + "\n" + "  " * indent + "}"
    if isinstance(value, list):
        if not value:
            return "[]"
        items = [pad + dump(v, indent + 1) for v in value]
        return "[\n" + ",\n".join(items) + "\n" + "  " * indent + "]"
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return text
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return json.dumps(value, ensure_ascii=False)
    raise TypeError(value)


def license_text(licence_path, commit):
    with open(licence_path, encoding="utf-8") as f:
        text = f.read().rstrip("\n")
    return (
        "prices.json is generated by scripts/prices/generate.py from the genai-prices database,\n"
        "%s at commit %s, with the router's supplement (scripts/prices/supplement.json).\n"
        "genai-prices is distributed under the following licence:\n\n%s\n" % (SOURCE_URL, commit, text)
    )


def read_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f, parse_float=Decimal)


def changes(old, new):
    def index(table):
        return {
            p["id"] + "/" + m["id"]: dump(m["prices"]) + dump({k: v for k, v in m.items() if k != "prices"})
            for p in table.get("providers", [])
            for m in p["models"]
        }

    before, after = index(old), index(new)
    lines = []
    for key in after:
        if key not in before:
            lines.append("added   " + key)
        elif before[key] != after[key]:
            lines.append("changed " + key)
    for key in before:
        if key not in after:
            lines.append("removed " + key)
    return lines


# --- one-off import of the former LiteLLM table's limits and tier prices ---


def import_seed(database, providers, seed_path, supplement):
    seed = read_json(seed_path)
    table = [dict(p) for p in database if p["id"] in providers]
    for p in table:
        p["models"] = supplement.get("add_models", {}).get(p["id"], []) + p["models"]
    table.sort(key=lambda p: providers.index(p["id"]))
    groups = {}
    for seed_id in sorted(seed):
        if seed_id == "sample_spec":
            continue
        hit = lookup(table, seed_id)
        if hit:
            groups.setdefault(hit[0] + "/" + hit[1]["id"], []).append(seed_id)
    models = {}
    for key in sorted(groups):
        if key in supplement.get("exclude", {}):
            continue
        genai_id = key.split("/", 1)[1]
        ids = groups[key]
        entries = [seed[i] for i in ids]
        exact = seed.get(genai_id)

        def pick(getter):
            # the entry of the same id if it has the fact, else the largest (never a smaller limit)
            if exact is not None and getter(exact) is not None:
                return getter(exact)
            values = [getter(e) for e in entries if getter(e) is not None]
            return max(values) if values else None

        fact = {"source": "seed table: " + ", ".join(ids)}
        value = pick(lambda e: e.get("max_output_tokens", e.get("max_tokens")))
        if value is not None:
            fact["max_output_tokens"] = int(value)
        value = pick(lambda e: e.get("tool_use_system_prompt_tokens"))
        if value is not None:
            fact["tool_use_system_prompt_tokens"] = int(value)
        value = pick(lambda e: max(e["search_context_cost_per_query"].values())
                     if e.get("search_context_cost_per_query") else None)
        if value is not None and not key.startswith("anthropic/"):
            fact["web_search_usd_per_call"] = value
        model = next(m for p in table for m in p["models"] if p["id"] + "/" + m["id"] == key)
        # never a smaller window than the seed's: it bounds the input of a server-side context
        value = pick(lambda e: e.get("max_input_tokens"))
        if value is not None and int(value) > (model.get("context_window") or 0):
            fact["context_window"] = int(value)
        for tier in ("priority", "flex"):
            prices = {}
            for ours_key, litellm in (
                ("input", "input_cost_per_token_"),
                ("output", "output_cost_per_token_"),
                ("cache_read", "cache_read_input_token_cost_"),
            ):
                value = pick(lambda e: e.get(litellm + tier))
                if value is not None:
                    prices[ours_key] = (Decimal(value) * 1000000).normalize()
            if prices:
                fact[tier] = prices
        models[key] = fact
    supplement["models"] = models
    with open(SUPPLEMENT, "w", encoding="utf-8") as f:
        f.write(dump(supplement) + "\n")
    print("wrote %d models to %s" % (len(models), os.path.relpath(SUPPLEMENT, REPO)))


def find_licence(database_path, given):
    if given:
        return given
    folder = os.path.dirname(os.path.abspath(database_path))
    while True:
        candidate = os.path.join(folder, "LICENSE")
        if os.path.isfile(candidate):
            return candidate
        parent = os.path.dirname(folder)
        if parent == folder:
            raise Unrepresentable("no LICENSE next to or above the database; give --license")
        folder = parent


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", required=True, help="genai-prices data.json")
    parser.add_argument("--license", help="genai-prices LICENSE (default: found next to or above it)")
    parser.add_argument("--commit", help="the genai-prices commit the database was taken at")
    parser.add_argument("--snapshot-date", help="that commit's date, YYYY-MM-DD")
    parser.add_argument("--providers", default="openai,anthropic", help="comma-separated, in lookup order")
    parser.add_argument("--check", action="store_true", help="compare with the committed files, write nothing")
    parser.add_argument("--import-seed", metavar="LITELLM_JSON", help="rewrite supplement.json's models")
    args = parser.parse_args()
    providers = [p.strip() for p in args.providers.split(",") if p.strip()]
    try:
        database = read_json(args.database)
        supplement = read_json(SUPPLEMENT)
        if args.import_seed:
            import_seed(database, providers, args.import_seed, supplement)
            return 0
        old = read_json(OUT) if os.path.exists(OUT) else {}
        commit = args.commit or (old.get("source", {}).get("commit") if args.check else None)
        date = args.snapshot_date or (old.get("source", {}).get("snapshot_date") if args.check else None)
        if not commit or not date or not DATE.match(date):
            parser.error("--commit and --snapshot-date (YYYY-MM-DD) are required")
        table = generate(database, supplement, providers, commit, date)
        text = dump(table) + "\n"
        licence = license_text(find_licence(args.database, args.license), commit)
    except Unrepresentable as e:
        print("error: " + str(e), file=sys.stderr)
        return 2
    lines = changes(old, table)
    if args.check:
        same = True
        for path, content in ((OUT, text), (OUT_LICENSE, licence)):
            current = open(path, encoding="utf-8").read() if os.path.exists(path) else None
            if current != content:
                print("differs: " + os.path.relpath(path, REPO))
                same = False
        for line in lines:
            print(line)
        print("up to date" if same else "regenerate with the same arguments without --check")
        return 0 if same else 1
    with open(OUT, "w", encoding="utf-8") as f:
        f.write(text)
    with open(OUT_LICENSE, "w", encoding="utf-8") as f:
        f.write(licence)
    count = sum(len(p["models"]) for p in table["providers"])
    print("wrote %d models to %s" % (count, os.path.relpath(OUT, REPO)))
    for line in lines or ["no price changes"]:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
