package dev.hcprollback.webhook.review;

import java.io.IOException;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.deser.std.StringDeserializer;

/**
 * String values of one review, each made once: an update's {@code object} and {@code oldObject} are the same object
 * but for the fields the update changes, so the second one's strings (the version histories, pull specs, names) are
 * found among the first one's instead of being made again. The table is per thread (512 slots) and emptied at the
 * start of each review ({@link #startReview}), so no review is given another's strings (it holds the last review's
 * until the thread reads the next); a string that falls on an occupied slot is simply made anew. Other tokens are read as Jackson's own {@link StringDeserializer} reads them.
 */
final class RepeatedStrings extends StringDeserializer {

    private static final int SLOTS = 512; // a power of two, above the number of distinct strings of two HostedClusters

    private static final ThreadLocal<String[]> TABLE = ThreadLocal.withInitial(() -> new String[SLOTS]);

    RepeatedStrings() {
    }

    /** Forgets the strings of the review this thread read before. */
    static void startReview() {
        java.util.Arrays.fill(TABLE.get(), null);
    }

    @Override
    public String deserialize(JsonParser parser, DeserializationContext context) throws IOException {
        if (parser.currentToken() != JsonToken.VALUE_STRING) {
            return super.deserialize(parser, context);
        }
        char[] text = parser.getTextCharacters();
        int offset = parser.getTextOffset();
        int length = parser.getTextLength();
        int hash = 0;
        for (int i = offset; i < offset + length; i++) {
            hash = 31 * hash + text[i];
        }
        String[] table = TABLE.get();
        int slot = (hash ^ (hash >>> 16)) & (SLOTS - 1);
        String known = table[slot];
        if (known != null && sameText(known, text, offset, length)) {
            return known;
        }
        String made = new String(text, offset, length);
        table[slot] = made;
        return made;
    }

    private static boolean sameText(String known, char[] text, int offset, int length) {
        if (known.length() != length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (known.charAt(i) != text[offset + i]) {
                return false;
            }
        }
        return true;
    }
}
