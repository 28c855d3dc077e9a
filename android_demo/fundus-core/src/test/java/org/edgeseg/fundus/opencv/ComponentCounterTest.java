package org.edgeseg.fundus.opencv;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import java.util.Arrays;
import java.util.Random;
import org.junit.Test;

/**
 * The row-by-row count equals the label image's ({@link ConnectedComponents}, itself held to
 * OpenCV's by the goldens) on shapes that join late, touch only at a corner, or fill a row, and on
 * random masks of every density.
 */
public class ComponentCounterTest {
    private static long counted(boolean[] mask, int width, int height) {
        ComponentCounter counter = new ComponentCounter(width);
        for (int y = 0; y < height; y++) {
            counter.addRow(Arrays.copyOfRange(mask, y * width, (y + 1) * width));
        }
        return counter.count();
    }

    private static boolean[] parse(String... rows) {
        boolean[] mask = new boolean[rows.length * rows[0].length()];
        for (int y = 0; y < rows.length; y++) {
            for (int x = 0; x < rows[y].length(); x++) {
                mask[y * rows[0].length() + x] = rows[y].charAt(x) == '#';
            }
        }
        return mask;
    }

    private static void assertCount(int expected, String... rows) {
        boolean[] mask = parse(rows);
        int width = rows[0].length();
        assertEquals("ConnectedComponents", expected, ConnectedComponents.label(mask, width, rows.length).count());
        assertEquals(String.join("/", rows), expected, counted(mask, width, rows.length));
    }

    @Test
    public void shapesThatJoinLateOrTouchAtACornerAreOne() {
        assertCount(0, "....", "....");
        assertCount(1, "#..#", "#..#", "####");  // a U: two components until the last row
        assertCount(1, "#.#.#", ".#.#.");  // a zigzag of diagonal touches
        assertCount(2, "#.#", "...", "...");  // two dots
        assertCount(1, "#....", ".#...", "..#..", "...#.", "....#");  // a diagonal line
        assertCount(1, "....#", "...#.", "..#..", ".#...", "#....");  // the other diagonal
        assertCount(1, "#.#.#.#", "#.#.#.#", "#######");  // a comb closed at the bottom
        assertCount(3, "##..##", "......", "..##..");
        assertCount(1, "##..##", "..##..");  // one run touching two above at its corners
        assertCount(2, "#####", "#...#", "#.#.#", "#...#", "#####");  // a dot inside a ring
        assertCount(1, "#", "#", "#");  // one pixel wide
        assertCount(2, "#.#");  // one row
    }

    @Test
    public void randomMasksOfEveryDensityCountAsTheLabelImage() {
        Random random = new Random(28);
        for (int trial = 0; trial < 300; trial++) {
            int width = 1 + random.nextInt(40);
            int height = 1 + random.nextInt(40);
            double density = random.nextDouble();
            boolean[] mask = new boolean[width * height];
            for (int i = 0; i < mask.length; i++) {
                mask[i] = random.nextDouble() < density;
            }
            assertEquals(width + "x" + height + " at " + density, ConnectedComponents.label(mask, width, height).count(),
                    counted(mask, width, height));
        }
    }

    @Test
    public void aRowOfAnotherWidthIsRefused() {
        ComponentCounter counter = new ComponentCounter(8);
        assertThrows(IllegalArgumentException.class, () -> counter.addRow(new boolean[7]));
        assertThrows(IllegalArgumentException.class, () -> new ComponentCounter(0));
    }
}
