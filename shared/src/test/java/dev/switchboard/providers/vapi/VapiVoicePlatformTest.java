package dev.switchboard.providers.vapi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.config.MissingConfigException;
import dev.switchboard.config.Settings;
import dev.switchboard.domain.E164Number;
import dev.switchboard.providers.ProviderException;
import dev.switchboard.providers.ProviderRejected;
import dev.switchboard.providers.ProviderUnavailable;
import dev.switchboard.providers.VoicePlatform.ImportedNumber;
import dev.switchboard.providers.VoicePlatform.TwilioImport;
import dev.switchboard.testing.Await;
import dev.switchboard.testing.fake.FakeVapi;
import dev.switchboard.testing.fake.FakeVapiNumber;
import dev.switchboard.testing.fake.Fault;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class VapiVoicePlatformTest {
  private static final String SUBACCOUNT = "AC" + "1".repeat(32);
  private static final String SUBACCOUNT_TOKEN = "subaccount-token-for-tests";
  private static final E164Number NUMBER = new E164Number("+14155550100");

  private FakeVapi vapi;
  private VapiVoicePlatform platform;

  @BeforeEach
  void setUp() {
    vapi = new FakeVapi();
    platform = VapiVoicePlatform.from(settings(FakeVapi.DEFAULT_API_KEY));
  }

  @AfterEach
  void tearDown() {
    vapi.close();
  }

  private Settings settings(String apiKey) {
    Map<String, String> env = new HashMap<>();
    env.put("VAPI_API_KEY", apiKey);
    env.put("VAPI_API_BASE_URL", vapi.baseUrl());
    env.put("PROVIDER_CONNECT_TIMEOUT_MS", "1000");
    env.put("PROVIDER_READ_TIMEOUT_MS", "1000");
    return Settings.of(env);
  }

  private static TwilioImport anImport(E164Number number) {
    return new TwilioImport(number, SUBACCOUNT, SUBACCOUNT_TOKEN, "Managed (inbound)", Optional.of("asst-1"));
  }

  private static void assertSafeMessage(ProviderException e) {
    String message = e.getMessage();
    assertFalse(message.contains(FakeVapi.DEFAULT_API_KEY), message);
    assertFalse(message.contains(SUBACCOUNT_TOKEN), message);
    assertTrue(message.startsWith("vapi "), message);
  }

  @Test
  void importTwilioNumber_storesItAtVapiWithTheSubaccountsToken() {
    ImportedNumber imported = platform.importTwilioNumber(anImport(NUMBER));

    FakeVapiNumber held = vapi.number(NUMBER.value()).orElseThrow();
    assertEquals(held.id(), imported.id());
    assertEquals(NUMBER, imported.number());
    assertEquals(SUBACCOUNT, held.twilioAccountSid());
    assertEquals("asst-1", held.assistantId());
    assertEquals("Managed (inbound)", held.name());
    assertEquals(Optional.of(SUBACCOUNT_TOKEN), vapi.twilioAuthTokenSentFor(NUMBER.value()));
  }

  @Test
  void importTwilioNumber_withoutAssistant_leavesItUnset() {
    platform.importTwilioNumber(new TwilioImport(NUMBER, SUBACCOUNT, SUBACCOUNT_TOKEN, "Managed (outbound)", Optional.empty()));

    assertEquals(null, vapi.number(NUMBER.value()).orElseThrow().assistantId());
  }

  @Test
  void importTwilioNumber_whenAlreadyImported_isRejectedWith400() {
    platform.importTwilioNumber(anImport(NUMBER));

    ProviderRejected e = assertThrows(ProviderRejected.class, () -> platform.importTwilioNumber(anImport(NUMBER)));

    assertEquals(400, e.status());
    assertEquals(1, vapi.numbers().size());
    assertSafeMessage(e);
  }

  @Test
  void findByNumber_findsTheImportedNumber_andNothingForAnother() {
    ImportedNumber imported = platform.importTwilioNumber(anImport(NUMBER));

    assertEquals(Optional.of(imported), platform.findByNumber(NUMBER));
    assertEquals(Optional.empty(), platform.findByNumber(new E164Number("+14155550199")));
  }

  @Test
  void listNumbers_pagesThroughEveryNumber() {
    int total = VapiVoicePlatform.PAGE_SIZE * 2 + 50;
    for (int i = 0; i < total; i++) {
      vapi.plant("+1415555" + String.format("%04d", i), SUBACCOUNT);
    }

    List<ImportedNumber> listed = platform.listNumbers();

    Set<String> expected = vapi.numbers().stream().map(FakeVapiNumber::id).collect(Collectors.toSet());
    assertEquals(total, listed.size());
    assertEquals(expected, listed.stream().map(ImportedNumber::id).collect(Collectors.toSet()));
    assertEquals(3, vapi.count(FakeVapi.LIST));
  }

  @Test
  void listNumbers_skipsASipNumber_soALookUpBehindItStillWorks() {
    vapi.plant("+14155550101", SUBACCOUNT);
    vapi.plantSip("sip:front-desk@sip.vapi.ai");
    ImportedNumber imported = platform.importTwilioNumber(anImport(NUMBER));

    List<ImportedNumber> listed = platform.listNumbers();

    assertEquals(2, listed.size(), listed.toString());
    assertEquals(Optional.of(imported), platform.findByNumber(NUMBER));
  }

  @Test
  void findByNumber_findsTheOldestNumberBeyondTheFirstPage() {
    FakeVapiNumber oldest = vapi.plant("+442071838750", SUBACCOUNT);
    for (int i = 0; i < VapiVoicePlatform.PAGE_SIZE + 5; i++) {
      vapi.plant("+1415555" + String.format("%04d", i), SUBACCOUNT);
    }

    Optional<ImportedNumber> found = platform.findByNumber(new E164Number("+442071838750"));

    assertEquals(oldest.id(), found.orElseThrow().id());
    assertTrue(vapi.count(FakeVapi.LIST) >= 2);
  }

  @Test
  void listNumbers_pagesThroughEveryNumber_whenVapiAnswersOldestFirst() {
    vapi.answerListsIn(FakeVapi.ListOrder.OLDEST_FIRST);
    int total = VapiVoicePlatform.PAGE_SIZE * 2 + 50;
    for (int i = 0; i < total; i++) {
      vapi.plant("+1415555" + String.format("%04d", i), SUBACCOUNT);
    }

    List<ImportedNumber> listed = platform.listNumbers();

    Set<String> expected = vapi.numbers().stream().map(FakeVapiNumber::id).collect(Collectors.toSet());
    assertEquals(expected, listed.stream().map(ImportedNumber::id).collect(Collectors.toSet()));
    assertEquals(total, listed.size());
    assertEquals(3, vapi.count(FakeVapi.LIST));
  }

  @Test
  void findByNumber_findsTheNewestNumberBeyondTheFirstPage_whenVapiAnswersOldestFirst() {
    vapi.answerListsIn(FakeVapi.ListOrder.OLDEST_FIRST);
    for (int i = 0; i < VapiVoicePlatform.PAGE_SIZE + 5; i++) {
      vapi.plant("+1415555" + String.format("%04d", i), SUBACCOUNT);
    }
    FakeVapiNumber newest = vapi.plant("+442071838750", SUBACCOUNT);

    Optional<ImportedNumber> found = platform.findByNumber(new E164Number("+442071838750"));

    assertEquals(newest.id(), found.orElseThrow().id());
  }

  @Test
  void listNumbers_keepsNumbersCreatedInTheSameMillisecondAcrossAPageBoundary_inEitherOrder() {
    Instant start = Instant.parse("2026-08-01T10:00:00.000Z");
    for (int i = 0; i < VapiVoicePlatform.PAGE_SIZE + 20; i++) {
      // ten numbers share each millisecond, so every page boundary falls inside a group
      vapi.plant("+1415555" + String.format("%04d", i), SUBACCOUNT, start.plusMillis(i / 10));
    }
    Set<String> expected = vapi.numbers().stream().map(FakeVapiNumber::id).collect(Collectors.toSet());

    for (FakeVapi.ListOrder order : List.of(FakeVapi.ListOrder.NEWEST_FIRST, FakeVapi.ListOrder.OLDEST_FIRST)) {
      vapi.answerListsIn(order);
      Set<String> listed = platform.listNumbers().stream().map(ImportedNumber::id).collect(Collectors.toSet());
      assertEquals(expected, listed, order.toString());
    }
  }

  @Test
  void listNumbers_whenVapiAnswersInNoCreatedAtOrder_failsRatherThanMissingNumbers() {
    vapi.answerListsIn(FakeVapi.ListOrder.NO_CREATED_AT_ORDER);
    for (int i = 0; i < VapiVoicePlatform.PAGE_SIZE + 5; i++) {
      vapi.plant("+1415555" + String.format("%04d", i), SUBACCOUNT);
    }

    ProviderUnavailable e = assertThrows(ProviderUnavailable.class, () -> platform.listNumbers());

    assertTrue(e.getMessage().contains("createdAt order"), e.getMessage());
  }

  @Test
  void listNumbers_whenMoreThanAPageShareOneMillisecond_failsRatherThanMissingNumbers() {
    Instant same = Instant.parse("2026-08-01T10:00:00.000Z");
    for (int i = 0; i < VapiVoicePlatform.PAGE_SIZE + 1; i++) {
      vapi.plant("+1415555" + String.format("%04d", i), SUBACCOUNT, same);
    }

    assertThrows(ProviderUnavailable.class, () -> platform.listNumbers());
  }

  @Test
  void listNumbers_inNoCreatedAtOrder_isFine_whileEverythingFitsOnePage() {
    vapi.answerListsIn(FakeVapi.ListOrder.NO_CREATED_AT_ORDER);
    for (int i = 0; i < 30; i++) {
      vapi.plant("+1415555" + String.format("%04d", i), SUBACCOUNT);
    }

    assertEquals(30, platform.listNumbers().size());
    assertEquals(1, vapi.count(FakeVapi.LIST));
  }

  @Test
  void listNumbers_whenEmpty_isEmpty() {
    assertEquals(List.of(), platform.listNumbers());
  }

  @Test
  void delete_removesTheNumber_thenReportsItAlreadyGone() {
    ImportedNumber imported = platform.importTwilioNumber(anImport(NUMBER));

    assertTrue(platform.delete(imported.id()));
    assertTrue(vapi.numbers().isEmpty());
    assertFalse(platform.delete(imported.id()));
  }

  @Test
  void import_when5xx_isUnavailable_andNothingWasImported() {
    vapi.failNext(FakeVapi.CREATE, Fault.status(503));

    ProviderUnavailable e = assertThrows(ProviderUnavailable.class, () -> platform.importTwilioNumber(anImport(NUMBER)));

    assertEquals(503, e.status());
    assertTrue(vapi.numbers().isEmpty());
    assertSafeMessage(e);
  }

  @Test
  void list_when429_isUnavailable() {
    vapi.failNext(FakeVapi.LIST, Fault.status(429));

    ProviderUnavailable e = assertThrows(ProviderUnavailable.class, () -> platform.listNumbers());

    assertEquals(429, e.status());
  }

  @Test
  void delete_when5xx_isUnavailable_andTheNumberStays() {
    ImportedNumber imported = platform.importTwilioNumber(anImport(NUMBER));
    vapi.failNext(FakeVapi.DELETE, Fault.status(500));

    ProviderUnavailable e = assertThrows(ProviderUnavailable.class, () -> platform.delete(imported.id()));

    assertEquals(500, e.status());
    assertEquals(1, vapi.numbers().size());
  }

  @Test
  void delete_when4xxOtherThan404_isRejected() {
    ProviderRejected e = assertThrows(ProviderRejected.class, () -> platform.delete("not-a-uuid"));

    assertEquals(400, e.status());
    assertFalse(e.isNotFound());
  }

  @Test
  void import_whenVapiAnswers2xxWithABodyWeCannotRead_isUnavailable_notRejected() {
    vapi.failNext(FakeVapi.CREATE, Fault.status(201, null, "not a phone number"));

    ProviderUnavailable e = assertThrows(ProviderUnavailable.class, () -> platform.importTwilioNumber(anImport(NUMBER)));

    assertEquals(201, e.status());
    assertTrue(e.getMessage().contains("unreadable"), e.getMessage());
    assertFalse(e.getMessage().contains("not a phone number"), e.getMessage());
  }

  @Test
  void anUnreachableVapi_isUnavailableWithNoStatus() {
    String deadUrl = vapi.baseUrl();
    vapi.close();
    VapiVoicePlatform unreachable = VapiVoicePlatform.from(Settings.of(Map.of(
        "VAPI_API_KEY", FakeVapi.DEFAULT_API_KEY, "VAPI_API_BASE_URL", deadUrl)));

    assertEquals(0, assertThrows(ProviderUnavailable.class, unreachable::listNumbers).status());
  }

  @Test
  void aVapiThatSendsHeadersThenStalls_isUnavailable_atConnectPlusReadTimeout() throws Exception {
    CountDownLatch testOver = new CountDownLatch(1);
    try (ServerSocket stalling = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Thread server = new Thread(() -> stallAfterHeaders(stalling, testOver));
      server.setDaemon(true);
      server.start();
      VapiVoicePlatform platform = VapiVoicePlatform.from(Settings.of(Map.of(
          "VAPI_API_KEY", FakeVapi.DEFAULT_API_KEY,
          "VAPI_API_BASE_URL", "http://127.0.0.1:" + stalling.getLocalPort(),
          "PROVIDER_CONNECT_TIMEOUT_MS", "200",
          "PROVIDER_READ_TIMEOUT_MS", "1000")));

      // the body never comes while the test runs: only our own deadline can end the call
      ProviderUnavailable e = assertThrows(ProviderUnavailable.class, platform::listNumbers);

      assertEquals(0, e.status());
      assertTrue(e.getMessage().contains("no complete answer within"), e.getMessage());
    } finally {
      testOver.countDown();
    }
  }

  /** Answers the first request with headers and one byte of a 1000-byte body, then nothing until the test is over. */
  private static void stallAfterHeaders(ServerSocket server, CountDownLatch testOver) {
    try (Socket socket = server.accept()) {
      InputStream in = socket.getInputStream();
      int matched = 0;
      while (matched < 4) {
        int b = in.read();
        if (b < 0) {
          return;
        }
        matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
      }
      OutputStream out = socket.getOutputStream();
      out.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n["
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      testOver.await();
    } catch (IOException | InterruptedException ignored) {
      // the test is over
    }
  }

  @Test
  void import_whenVapiAnswersPastTheReadTimeout_isUnavailableWithNoStatus_becauseTheReadTimedOut() {
    // the fake holds the call for minutes: only the client's read timeout can end it this soon
    vapi.failNext(FakeVapi.CREATE, Fault.delay(Duration.ofMinutes(5)));

    ProviderUnavailable e = assertThrows(ProviderUnavailable.class, () -> platform.importTwilioNumber(anImport(NUMBER)));

    assertEquals(0, e.status());
    assertTrue(e.getMessage().contains("no answer within"), e.getMessage());
    assertEquals(0, vapi.count(FakeVapi.CREATE), "the fake still holds the one call: not retried, not answered");
    assertSafeMessage(e);
  }

  @Test
  void import_whenTheConnectionDrops_isUnavailableWithNoStatus() {
    vapi.failNext(FakeVapi.CREATE, Fault.drop());

    ProviderUnavailable e = assertThrows(ProviderUnavailable.class, () -> platform.importTwilioNumber(anImport(NUMBER)));

    assertEquals(0, e.status());
    assertSafeMessage(e);
  }

  @Test
  void import_thatTimesOutButLands_isFoundByNumberAfterwards() throws Exception {
    vapi.failNext(FakeVapi.CREATE, Fault.lateSuccess(Duration.ofMillis(2000)));

    assertThrows(ProviderUnavailable.class, () -> platform.importTwilioNumber(anImport(NUMBER)));
    Await.until("Vapi holds the number", () -> vapi.number(NUMBER.value()).isPresent());

    ImportedNumber found = platform.findByNumber(NUMBER).orElseThrow();
    assertEquals(vapi.number(NUMBER.value()).orElseThrow().id(), found.id());
  }

  @Test
  void everyCall_withAWrongKey_isRejectedWith401_andTheKeyIsNotInTheMessage() {
    VapiVoicePlatform wrongKey = VapiVoicePlatform.from(settings("vapi-wrong-key-for-tests"));

    ProviderRejected e = assertThrows(ProviderRejected.class, () -> wrongKey.importTwilioNumber(anImport(NUMBER)));

    assertEquals(401, e.status());
    assertFalse(e.getMessage().contains("vapi-wrong-key-for-tests"));
    assertTrue(vapi.numbers().isEmpty());
    assertEquals(401, assertThrows(ProviderRejected.class, wrongKey::listNumbers).status());
  }

  @Test
  void from_withoutVapiApiKey_failsNamingIt() {
    MissingConfigException e = assertThrows(MissingConfigException.class,
        () -> VapiVoicePlatform.from(Settings.of(Map.of("VAPI_API_BASE_URL", vapi.baseUrl()))));

    assertEquals("VAPI_API_KEY", e.name());
    assertTrue(e.getMessage().contains("VAPI_API_KEY"));
  }

  @Test
  void from_withABaseUrlThatIsNotHttp_failsNamingIt() {
    MissingConfigException e = assertThrows(MissingConfigException.class,
        () -> VapiVoicePlatform.from(Settings.of(Map.of("VAPI_API_KEY", "k", "VAPI_API_BASE_URL", "api.vapi.ai"))));

    assertEquals("VAPI_API_BASE_URL", e.name());
  }

  @Test
  void nothingPrintable_showsTheKeyOrTheToken() {
    TwilioImport request = anImport(NUMBER);

    assertFalse(platform.toString().contains(FakeVapi.DEFAULT_API_KEY));
    assertFalse(request.toString().contains(SUBACCOUNT_TOKEN));
    assertFalse(vapi.number(NUMBER.value()).isPresent());
    platform.importTwilioNumber(request);
    assertFalse(vapi.number(NUMBER.value()).orElseThrow().toString().contains(SUBACCOUNT_TOKEN));
  }

}
