package org.edgeseg.fundus;

/** A pixel box {@code [x0, x1) x [y0, y1)}; mirrors {@code Box} in {@code edgeseg/inference/fov.py}. */
public final class Box {
    private final int x0;
    private final int y0;
    private final int x1;
    private final int y1;

    public Box(int x0, int y0, int x1, int y1) {
        if (x1 <= x0 || y1 <= y0) {
            throw new IllegalArgumentException("empty box [" + x0 + ", " + y0 + ", " + x1 + ", " + y1 + "]");
        }
        this.x0 = x0;
        this.y0 = y0;
        this.x1 = x1;
        this.y1 = y1;
    }

    public int x0() {
        return x0;
    }

    public int y0() {
        return y0;
    }

    public int x1() {
        return x1;
    }

    public int y1() {
        return y1;
    }

    public int width() {
        return x1 - x0;
    }

    public int height() {
        return y1 - y0;
    }

    /** {@code [x0, y0, x1, y1]}, as {@code Box.as_list()} writes it into golden.json. */
    public int[] asArray() {
        return new int[] {x0, y0, x1, y1};
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Box && java.util.Arrays.equals(((Box) other).asArray(), asArray());
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(asArray());
    }

    @Override
    public String toString() {
        return "Box[" + x0 + ", " + y0 + ", " + x1 + ", " + y1 + "]";
    }
}
