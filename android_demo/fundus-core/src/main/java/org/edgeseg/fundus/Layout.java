package org.edgeseg.fundus;

/** The tensor layout of an exported model's input and output ({@code "layout"} in its metadata). */
public enum Layout {
    /** Batch, height, width, channels: what edgeseg's TFLite exports use. */
    NHWC,
    /** Batch, channels, height, width. */
    NCHW;

    /** {@code "nhwc"} or {@code "nchw"}. */
    public static Layout parse(String name) {
        return valueOf(name.toUpperCase(java.util.Locale.ROOT));
    }
}
