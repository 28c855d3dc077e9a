package org.edgeseg.fundus;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Python's fixed-point number formatting, {@code f"{value:.2f}"}, so that text the app shows is
 * the text edgeseg's Python prints. Python rounds the double's exact binary value half to even:
 * 0.125 (exact in binary) gives "0.12", 0.625 gives "0.62". Java's {@code String.format("%.2f")}
 * rounds half up ("0.13", "0.63") and writes the locale's decimal separator ("0,13" in German),
 * so it is not used.
 */
public final class PythonFormat {
    private PythonFormat() {
    }

    /**
     * {@code format(value, f".{decimals}f")}: "nan", "inf" and "-inf" for those values, a minus
     * sign for every negative value including -0.0 and those that round to zero ("-0.00").
     */
    public static String fixed(double value, int decimals) {
        if (Double.isNaN(value)) {
            return "nan";
        }
        if (Double.isInfinite(value)) {
            return value > 0 ? "inf" : "-inf";
        }
        String digits = new BigDecimal(Math.abs(value)).setScale(decimals, RoundingMode.HALF_EVEN).toPlainString();
        return (Math.copySign(1.0, value) < 0 ? "-" : "") + digits;
    }
}
