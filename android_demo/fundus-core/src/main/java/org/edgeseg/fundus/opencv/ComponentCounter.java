package org.edgeseg.fundus.opencv;

import java.util.Arrays;

/**
 * The number of 8-connected components of a binary image fed one row at a time, as
 * {@code cv2.connectedComponents(mask, connectivity=8)[0] - 1} counts them, holding two rows of
 * runs instead of a label image: {@link ConnectedComponents} holds a mask and two int label images,
 * 9 bytes a pixel, which for a lesion summary at a fundus camera's 4288 x 2848 is up to 110 MB
 * per lesion on a phone's heap. The page counts the same way ({@code countComponentsByRuns} in
 * {@code web_demo/src/fundus/opencv/connected-components.js}).
 *
 * <p>Each row is cut into runs of set pixels; a run joins every run of the previous row that it
 * touches, diagonals included (a union-find over the labels of two rows); the count is the runs
 * that joined nothing, less the unions of two different components. After each row the labels
 * still in use are renumbered, so memory stays proportional to the width.
 */
public final class ComponentCounter {
    private final int width;
    private int[] previousStarts;
    private int[] previousEnds;
    private int[] previousLabels;
    private int previousRuns;
    private int[] starts;
    private int[] ends;
    private int[] labels;
    private int runs;
    private final int[] parent;
    private final int[] renumbered;
    private int used;
    private long count;

    /** A counter for rows of {@code width} pixels. */
    public ComponentCounter(int width) {
        if (width <= 0) {
            throw new IllegalArgumentException("width must be positive, got " + width);
        }
        this.width = width;
        int most = (width + 1) / 2;  // runs in one row, at most
        previousStarts = new int[most];
        previousEnds = new int[most];
        previousLabels = new int[most];
        starts = new int[most];
        ends = new int[most];
        labels = new int[most];
        parent = new int[2 * most];  // the previous row's labels and this row's new ones
        renumbered = new int[2 * most];
        Arrays.fill(renumbered, -1);
    }

    /** Adds the next row ({@code width} values of {@code row}; true is foreground). */
    public void addRow(boolean[] row) {
        if (row.length < width) {
            throw new IllegalArgumentException("a row of " + row.length + " pixels, the counter's width is " + width);
        }
        runs = 0;
        int cursor = 0;  // the first run of the previous row that can still touch this row's next run
        int x = 0;
        while (x < width) {
            if (!row[x]) {
                x++;
                continue;
            }
            int start = x;
            while (x < width && row[x]) {
                x++;
            }
            int end = x - 1;
            while (cursor < previousRuns && previousEnds[cursor] < start - 1) {
                cursor++;
            }
            int label = -1;
            for (int j = cursor; j < previousRuns && previousStarts[j] <= end + 1; j++) {
                int root = find(previousLabels[j]);
                if (label < 0) {
                    label = root;
                } else if (root != label) {
                    parent[root] = label;  // two components found to be one
                    count--;
                }
            }
            if (label < 0) {
                label = used++;
                parent[label] = label;
                count++;
            }
            starts[runs] = start;
            ends[runs] = end;
            labels[runs] = label;
            runs++;
        }
        renumber();
    }

    /** The components counted so far. */
    public long count() {
        return count;
    }

    private int find(int label) {
        int root = label;
        while (parent[root] != root) {
            root = parent[root];
        }
        while (parent[label] != root) {
            int next = parent[label];
            parent[label] = root;
            label = next;
        }
        return root;
    }

    /** This row's runs become the previous row's, their labels renumbered from 0 by component. */
    private void renumber() {
        int next = 0;
        for (int i = 0; i < runs; i++) {
            int root = find(labels[i]);
            if (renumbered[root] < 0) {
                renumbered[root] = next++;
            }
            labels[i] = renumbered[root];
        }
        Arrays.fill(renumbered, 0, used, -1);
        for (int label = 0; label < next; label++) {
            parent[label] = label;
        }
        used = next;
        int[] swap = previousStarts;
        previousStarts = starts;
        starts = swap;
        swap = previousEnds;
        previousEnds = ends;
        ends = swap;
        swap = previousLabels;
        previousLabels = labels;
        labels = swap;
        previousRuns = runs;
    }
}
