package dev.hcprollback.demo;

import java.io.PrintStream;

/** Prints the story as it happens: elapsed time, who acts, what happened. */
final class Timeline {

    private final long started = System.nanoTime();
    private final PrintStream out;

    Timeline(PrintStream out) {
        this.out = out;
    }

    void say(String actor, String text) {
        double seconds = (System.nanoTime() - started) / 1e9;
        String[] lines = text.split("\n");
        out.printf("[%5.1fs] %-14s %s%n", seconds, actor, lines[0]);
        for (int i = 1; i < lines.length; i++) {
            out.printf("%24s%s%n", "", lines[i]);
        }
    }

    void chapter(String title) {
        out.println();
        out.println("== " + title);
    }
}
