"""Tests of generate.py's match rules, name forms and refusals: python3 scripts/prices/test_generate.py"""

import os
import sys
import unittest
from decimal import Decimal

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import generate  # noqa: E402

SUPPLEMENT = {"models": {}, "providers": {}}


def model(prices, match=None):
    return {"id": "m", "match": match or {"equals": "m"}, "prices": prices}


class MatchTest(unittest.TestCase):
    def test_clauses_compare_lowercased_and_regex_searches(self):
        self.assertTrue(generate.matches({"equals": "GPT-4o"}, "gpt-4O"))
        self.assertTrue(generate.matches({"starts_with": "claude-sonnet-4-5"}, "Claude-Sonnet-4-5-2025"))
        self.assertTrue(generate.matches({"regex": "4o-(mini|nano)$"}, "GPT-4O-MINI"))
        self.assertFalse(generate.matches({"regex": "^4o"}, "gpt-4o"))
        self.assertTrue(generate.matches({"and": [{"starts_with": "gpt"}, {"ends_with": "mini"}]}, "gpt-4o-mini"))

    def test_name_forms_are_tried_as_the_router_does(self):
        self.assertEqual(
            ["anthropic/claude-x-20250929", "claude-x-20250929", "anthropic/claude-x", "claude-x"],
            generate.candidates("anthropic/claude-x-20250929"))
        self.assertIsNone(generate.without_date("gpt-4.1-2025-13-01"))
        self.assertIsNone(generate.without_date("gpt-4.1-1999-01-01"))
        self.assertEqual("gpt-4.1", generate.without_date("gpt-4.1-2025-04-14"))


class ConversionTest(unittest.TestCase):
    def entry(self, prices):
        return generate.model_entry("openai", model(prices), SUPPLEMENT)

    def test_tiers_and_dated_variants(self):
        e = self.entry([
            {"prices": {"input_mtok": {"base": Decimal("3"), "tiers": [{"start": 200000, "price": Decimal("6")}]},
                        "output_mtok": Decimal("15")}},
            {"constraint": {"start_date": "2026-09-01"}, "prices": {"input_mtok": 4, "output_mtok": 20}},
        ])
        self.assertEqual({"above_input_tokens": 200000, "usd_per_mtok": {"input": Decimal("6")}},
                         e["prices"][0]["long_context"])
        self.assertEqual("2026-09-01", e["prices"][1]["from"])

    def test_no_token_price_leaves_the_model_out(self):
        self.assertIsNone(self.entry({}))

    def test_refusals(self):
        cases = [
            [{"prices": {"input_mtok": 1, "output_mtok": 1}},
             {"constraint": {"start_date": "2026-01-01", "start_time": "10:00"}, "prices": {"input_mtok": 1}}],
            {"input_mtok": {"base": 1, "tiers": [{"start": 1, "price": 2}]},
             "output_mtok": {"base": 1, "tiers": [{"start": 2, "price": 2}]}},
            {"input_mtok": 1, "image_mtok": 1},
            {"input_mtok": Decimal("0.0000001")},
            {"input_mtok": 1, "cache_read_mtok": 1, "cache_audio_read_mtok": 2},
        ]
        for prices in cases:
            with self.assertRaises(generate.Unrepresentable, msg=str(prices)):
                self.entry(prices)

    def test_output_is_deterministic_and_exact(self):
        self.assertEqual('{\n  "a": 0.025,\n  "b": [\n    10\n  ]\n}',
                         generate.dump({"b": [Decimal("1E+1")], "a": Decimal("0.0250")}))


if __name__ == "__main__":
    unittest.main()
