package io.ironcage.router.core.domain.pricing;

import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A rule that says which model names a price-database entry prices, as genai-prices writes them:
 * every comparison is on the lowercased name and lowercased operand, and {@link Regex} is a search
 * (a match anywhere in the lowercased name).
 */
public sealed interface ModelMatch
        permits ModelMatch.Equals,
                ModelMatch.StartsWith,
                ModelMatch.EndsWith,
                ModelMatch.Contains,
                ModelMatch.Regex,
                ModelMatch.Or,
                ModelMatch.And {

    /**
     * Returns whether the rule matches a model name.
     *
     * @param modelName the name as requested (any case)
     * @return {@code true} when the rule matches
     */
    default boolean matches(String modelName) {
        return matchesLowercased(lowercase(modelName));
    }

    /**
     * Returns whether the rule matches a name that is already lowercased.
     *
     * @param lowercasedName the name, lowercased with {@link Locale#ROOT}
     * @return {@code true} when the rule matches
     */
    boolean matchesLowercased(String lowercasedName);

    /** Lowercases as genai-prices does (Python's {@code str.lower}, locale-independent). */
    private static String lowercase(String text) {
        return Objects.requireNonNull(text, "text").toLowerCase(Locale.ROOT);
    }

    /**
     * The name equals the operand.
     *
     * @param value the operand (stored lowercased)
     */
    record Equals(String value) implements ModelMatch {
        /** Lowercases the operand. */
        public Equals {
            value = lowercase(value);
        }

        @Override
        public boolean matchesLowercased(String lowercasedName) {
            return lowercasedName.equals(value);
        }
    }

    /**
     * The name starts with the operand.
     *
     * @param value the operand (stored lowercased)
     */
    record StartsWith(String value) implements ModelMatch {
        /** Lowercases the operand. */
        public StartsWith {
            value = lowercase(value);
        }

        @Override
        public boolean matchesLowercased(String lowercasedName) {
            return lowercasedName.startsWith(value);
        }
    }

    /**
     * The name ends with the operand.
     *
     * @param value the operand (stored lowercased)
     */
    record EndsWith(String value) implements ModelMatch {
        /** Lowercases the operand. */
        public EndsWith {
            value = lowercase(value);
        }

        @Override
        public boolean matchesLowercased(String lowercasedName) {
            return lowercasedName.endsWith(value);
        }
    }

    /**
     * The name contains the operand.
     *
     * @param value the operand (stored lowercased)
     */
    record Contains(String value) implements ModelMatch {
        /** Lowercases the operand. */
        public Contains {
            value = lowercase(value);
        }

        @Override
        public boolean matchesLowercased(String lowercasedName) {
            return lowercasedName.contains(value);
        }
    }

    /**
     * The pattern is found somewhere in the lowercased name (Python's {@code re.search}).
     *
     * @param pattern the pattern, compiled once
     */
    record Regex(Pattern pattern) implements ModelMatch {
        /**
         * Validates the component.
         *
         * @throws NullPointerException if {@code pattern} is {@code null}
         */
        public Regex {
            Objects.requireNonNull(pattern, "pattern");
        }

        /**
         * Compiles a pattern.
         *
         * @param regex the pattern's text
         * @return the clause
         * @throws java.util.regex.PatternSyntaxException if the pattern is invalid
         */
        public static Regex of(String regex) {
            return new Regex(Pattern.compile(regex));
        }

        @Override
        public boolean matchesLowercased(String lowercasedName) {
            return pattern.matcher(lowercasedName).find();
        }
    }

    /**
     * Any of the clauses matches.
     *
     * @param clauses the clauses, not empty
     */
    record Or(List<ModelMatch> clauses) implements ModelMatch {
        /**
         * Validates and copies the clauses.
         *
         * @throws IllegalArgumentException if there are none
         */
        public Or {
            clauses = nonEmpty(clauses, "or");
        }

        @Override
        public boolean matchesLowercased(String lowercasedName) {
            for (ModelMatch clause : clauses) {
                if (clause.matchesLowercased(lowercasedName)) {
                    return true;
                }
            }
            return false;
        }
    }

    /**
     * Every clause matches.
     *
     * @param clauses the clauses, not empty
     */
    record And(List<ModelMatch> clauses) implements ModelMatch {
        /**
         * Validates and copies the clauses.
         *
         * @throws IllegalArgumentException if there are none
         */
        public And {
            clauses = nonEmpty(clauses, "and");
        }

        @Override
        public boolean matchesLowercased(String lowercasedName) {
            for (ModelMatch clause : clauses) {
                if (!clause.matchesLowercased(lowercasedName)) {
                    return false;
                }
            }
            return true;
        }
    }

    private static List<ModelMatch> nonEmpty(List<ModelMatch> clauses, String name) {
        List<ModelMatch> copy = List.copyOf(clauses);
        if (copy.isEmpty()) {
            throw new IllegalArgumentException("'" + name + "' needs at least one clause");
        }
        return copy;
    }
}
