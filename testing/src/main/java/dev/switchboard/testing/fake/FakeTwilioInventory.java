package dev.switchboard.testing.fake;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The numbers the fake Twilio has for sale: deterministic blocks of fictional numbers per
 * country, type ("Local" or "TollFree") and area code, so a search and a later purchase agree
 * without either being remembered. North American numbers use the 555-01xx (US) and 555-02xx
 * (CA) ranges of any area code; GB numbers Ofcom's drama ranges; AU numbers ACMA's fictional
 * ranges. A test may empty the inventory or pin exactly which numbers a country/type offers.
 * Not thread-safe: {@link FakeTwilio} calls it under its own lock.
 */
final class FakeTwilioInventory {
  static final String LOCAL = "Local";
  static final String TOLL_FREE = "TollFree";

  private static final List<String> NANP_TOLL_FREE = List.of("800", "833", "844", "855", "866", "877", "888");
  private static final Map<String, String[]> NANP_PLACES = Map.of(
      "415", new String[] {"San Francisco", "CA"},
      "212", new String[] {"New York", "NY"},
      "646", new String[] {"New York", "NY"},
      "312", new String[] {"Chicago", "IL"},
      "305", new String[] {"Miami", "FL"},
      "604", new String[] {"Vancouver", "BC"},
      "416", new String[] {"Toronto", "ON"},
      "514", new String[] {"Montreal", "QC"});
  private static final List<Block> FIXED = List.of(
      new Block("GB", LOCAL, "20", "+442079460", 1000, "London", "London", true),
      new Block("GB", LOCAL, "161", "+441614960", 1000, "Manchester", "Manchester", true),
      new Block("GB", LOCAL, "131", "+441314960", 1000, "Edinburgh", "Edinburgh", true),
      new Block("GB", TOLL_FREE, "808", "+448081570", 1000, null, null, true),
      new Block("AU", LOCAL, "2", "+61255500", 1000, "Sydney", "NSW", true),
      new Block("AU", LOCAL, "3", "+61370100", 1000, "Melbourne", "VIC", true),
      new Block("AU", TOLL_FREE, "1800", "+611800160", 1000, null, null, true));

  private final Map<String, List<Offer>> pinned = new LinkedHashMap<>();
  private boolean cleared;

  /** A number for sale. */
  record Offer(String phoneNumber, String country, String type, String locality, String region,
               boolean needsAddress) {
    String friendlyName() {
      if (phoneNumber.startsWith("+1") && phoneNumber.length() == 12) {
        return "(" + phoneNumber.substring(2, 5) + ") " + phoneNumber.substring(5, 8) + "-" + phoneNumber.substring(8);
      }
      return phoneNumber;
    }
  }

  /** A run of {@code size} numbers: {@code prefix} followed by 0.. zero-padded to the size's width. */
  private record Block(String country, String type, String areaCode, String prefix, int size,
                       String locality, String region, boolean needsAddress) {
    List<Offer> offers() {
      List<Offer> offers = new ArrayList<>();
      for (int i = 0; i < size; i++) {
        offers.add(offer(prefix + pad(i)));
      }
      return offers;
    }

    Optional<Offer> offerFor(String e164) {
      if (!e164.startsWith(prefix)) {
        return Optional.empty();
      }
      String rest = e164.substring(prefix.length());
      if (rest.length() != pad(0).length() || !rest.chars().allMatch(Character::isDigit)
          || Integer.parseInt(rest) >= size) {
        return Optional.empty();
      }
      return Optional.of(offer(e164));
    }

    private Offer offer(String e164) {
      return new Offer(e164, country, type, locality, region, needsAddress);
    }

    private String pad(int i) {
      String width = String.valueOf(size - 1);
      return String.format("%0" + width.length() + "d", i);
    }
  }

  void clear() {
    cleared = true;
    pinned.clear();
  }

  /** From now on this country and type offer exactly these numbers (still minus held ones). */
  void pin(String country, String type, List<Offer> offers) {
    pinned.put(key(country, type), List.copyOf(offers));
  }

  /** Numbers for sale in the country/type (and area code, if given), in a stable order. */
  List<Offer> search(String country, String type, String areaCode, Predicate<String> isHeld, int limit) {
    List<Offer> candidates;
    if (pinned.containsKey(key(country, type))) {
      candidates = pinned.get(key(country, type));
    } else if (cleared) {
      candidates = List.of();
    } else {
      candidates = new ArrayList<>();
      for (Block block : blocks(country, type, areaCode)) {
        candidates.addAll(block.offers());
      }
    }
    return candidates.stream()
        .filter(o -> !isHeld.test(o.phoneNumber()))
        .filter(o -> areaCode == null || o.phoneNumber().startsWith(dialPrefix(country) + areaCode))
        .limit(limit)
        .toList();
  }

  /** The offer for this number if it is in the inventory (held or not), as a purchase needs. */
  Optional<Offer> lookup(String e164) {
    for (List<Offer> offers : pinned.values()) {
      Optional<Offer> pin = offers.stream().filter(o -> o.phoneNumber().equals(e164)).findFirst();
      if (pin.isPresent()) {
        return pin;
      }
    }
    if (cleared) {
      return Optional.empty();
    }
    for (Block block : candidateBlocks(e164)) {
      Optional<Offer> offer = block.offerFor(e164);
      if (offer.isPresent() && !pinned.containsKey(key(offer.get().country(), offer.get().type()))) {
        return offer;
      }
    }
    return Optional.empty();
  }

  private static List<Block> candidateBlocks(String e164) {
    if (e164.startsWith("+1") && e164.length() == 12) {
      String npa = e164.substring(2, 5);
      List<Block> blocks = new ArrayList<>();
      for (String country : List.of("US", "CA")) {
        blocks.addAll(blocks(country, NANP_TOLL_FREE.contains(npa) ? TOLL_FREE : LOCAL, npa));
      }
      return blocks;
    }
    return FIXED;
  }

  private static List<Block> blocks(String country, String type, String areaCode) {
    if (country.equals("US") || country.equals("CA")) {
      // 555-0100..0199 are the fictional US numbers; CA gets 555-0200..0299 so the two never collide
      String exchange = country.equals("US") ? "55501" : "55502";
      List<String> npas;
      if (type.equals(TOLL_FREE)) {
        npas = areaCode == null ? NANP_TOLL_FREE
            : NANP_TOLL_FREE.contains(areaCode) ? List.of(areaCode) : List.of();
      } else {
        npas = List.of(areaCode == null ? (country.equals("US") ? "415" : "604") : areaCode);
      }
      return npas.stream()
          .filter(npa -> npa.matches("[2-9][0-9]{2}"))
          .map(npa -> {
            String[] place = type.equals(LOCAL) ? NANP_PLACES.get(npa) : null;
            return new Block(country, type, npa, "+1" + npa + exchange, 100,
                place == null ? null : place[0], place == null ? null : place[1], false);
          })
          .toList();
    }
    return FIXED.stream()
        .filter(b -> b.country().equals(country) && b.type().equals(type))
        .filter(b -> areaCode == null || b.areaCode().equals(areaCode))
        .toList();
  }

  static String dialPrefix(String country) {
    switch (country) {
      case "GB": return "+44";
      case "AU": return "+61";
      default: return "+1";
    }
  }

  private static String key(String country, String type) {
    return country + "/" + type;
  }
}
