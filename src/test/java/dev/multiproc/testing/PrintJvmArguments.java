package dev.multiproc.testing;

import java.lang.management.ManagementFactory;

/** A main class that prints the options its JVM was started with, one per line, then its arguments after "--". */
public final class PrintJvmArguments {
    private PrintJvmArguments() {
    }

    public static void main(String[] args) {
        ManagementFactory.getRuntimeMXBean().getInputArguments().forEach(System.out::println);
        System.out.println("--");
        for (String a : args) {
            System.out.println(a);
        }
    }
}
