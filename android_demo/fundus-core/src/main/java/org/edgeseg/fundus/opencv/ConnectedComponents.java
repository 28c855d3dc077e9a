package org.edgeseg.fundus.opencv;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Comparator;

/**
 * 8-connected components of a binary mask, numbered as {@code cv2.connectedComponentsWithStats(
 * mask, connectivity=8)} numbers them: OpenCV's block-based labelling (Spaghetti) scans 2x2
 * blocks row pair by row pair, so label order follows the first 2x2 block of each component.
 */
public final class ConnectedComponents {
    private final int[] areas;
    private final int[][] boxes;
    private final int[] labels;

    private ConnectedComponents(int[] areas, int[][] boxes, int[] labels) {
        this.areas = areas;
        this.boxes = boxes;
        this.labels = labels;
    }

    /** Labels {@code mask} ({@code width * height}, row-major); background is label 0. */
    public static ConnectedComponents label(boolean[] mask, int width, int height) {
        int[] raster = new int[mask.length];
        int count = 0;
        int[] pixelCounts = new int[16];
        int[] firstBlock = new int[16];
        ArrayDeque<Integer> queue = new ArrayDeque<>();
        int blocksPerRow = (width + 1) / 2;
        for (int start = 0; start < mask.length; start++) {
            if (!mask[start] || raster[start] != 0) {
                continue;
            }
            count++;
            if (count >= pixelCounts.length) {
                pixelCounts = Arrays.copyOf(pixelCounts, count * 2);
                firstBlock = Arrays.copyOf(firstBlock, count * 2);
            }
            firstBlock[count] = Integer.MAX_VALUE;
            raster[start] = count;
            queue.add(start);
            while (!queue.isEmpty()) {
                int p = queue.poll();
                int x = p % width;
                int y = p / width;
                pixelCounts[count]++;
                firstBlock[count] = Math.min(firstBlock[count], (y / 2) * blocksPerRow + x / 2);
                for (int ny = Math.max(0, y - 1); ny <= Math.min(height - 1, y + 1); ny++) {
                    for (int nx = Math.max(0, x - 1); nx <= Math.min(width - 1, x + 1); nx++) {
                        int q = ny * width + nx;
                        if (mask[q] && raster[q] == 0) {
                            raster[q] = count;
                            queue.add(q);
                        }
                    }
                }
            }
        }
        return renumber(raster, width, count, pixelCounts, firstBlock);
    }

    /** Areas and bounds of the components, renumbered from raster order into OpenCV's first-block order. */
    private static ConnectedComponents renumber(int[] raster, int width, int count, int[] pixelCounts, int[] firstBlock) {
        Integer[] order = new Integer[count];
        for (int i = 0; i < count; i++) {
            order[i] = i + 1;
        }
        Arrays.sort(order, Comparator.comparingInt(label -> firstBlock[label]));
        int[] newLabel = new int[count + 1];
        for (int i = 0; i < count; i++) {
            newLabel[order[i]] = i + 1;
        }
        int[] areas = new int[count + 1];
        int[][] boxes = new int[count + 1][];
        int[] labels = new int[raster.length];
        for (int p = 0; p < raster.length; p++) {
            int label = newLabel[raster[p]];
            labels[p] = label;
            if (label == 0) {
                continue;
            }
            int x = p % width;
            int y = p / width;
            areas[label]++;
            int[] box = boxes[label];
            if (box == null) {
                boxes[label] = new int[] {x, y, x, y};
            } else {
                box[0] = Math.min(box[0], x);
                box[1] = Math.min(box[1], y);
                box[2] = Math.max(box[2], x);
                box[3] = Math.max(box[3], y);
            }
        }
        return new ConnectedComponents(areas, boxes, labels);
    }

    /** The label of pixel {@code index} (row-major); 0 for the background. */
    public int labelAt(int index) {
        return labels[index];
    }

    /** The number of components, background excluded ({@code connectedComponents(...)[0] - 1}). */
    public int count() {
        return areas.length - 1;
    }

    /** The first label with the largest area ({@code 1 + argmax(stats[1:, CC_STAT_AREA])}), 0 if none. */
    public int largest() {
        int best = 0;
        for (int label = 1; label < areas.length; label++) {
            if (best == 0 || areas[label] > areas[best]) {
                best = label;
            }
        }
        return best;
    }

    /** The pixels with {@code label} ({@code labels == label}), row-major. */
    public boolean[] mask(int label) {
        boolean[] mask = new boolean[labels.length];
        for (int i = 0; i < mask.length; i++) {
            mask[i] = labels[i] == label;
        }
        return mask;
    }

    /** {@code [xmin, ymin, xmax, ymax]} (inclusive) of the pixels with {@code label}. */
    public int[] bounds(int label) {
        return boxes[label].clone();
    }
}
