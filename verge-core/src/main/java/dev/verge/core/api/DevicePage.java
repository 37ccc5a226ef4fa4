package dev.verge.core.api;

import java.util.List;

/**
 * One page of a device search ({@code GET /api/v1/devices}), in enrollment order.
 *
 * @param items the devices on this page, at most the limit asked for
 * @param nextCursor what to send as {@code cursor} for the next page; null on the last page
 */
public record DevicePage(List<DeviceView> items, String nextCursor) {
  public DevicePage {
    items = items == null ? List.of() : List.copyOf(items);
  }
}
