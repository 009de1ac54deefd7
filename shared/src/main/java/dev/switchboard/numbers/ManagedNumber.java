package dev.switchboard.numbers;

import dev.switchboard.domain.Country;
import dev.switchboard.domain.Direction;
import dev.switchboard.domain.E164Number;
import dev.switchboard.domain.NumberStatus;
import dev.switchboard.domain.NumberType;
import dev.switchboard.domain.OrgId;
import dev.switchboard.domain.Pence;
import dev.switchboard.json.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * A managed number as recorded, with the progress of its sagas: which external steps are
 * known to be done. Provider ids are recorded the moment they exist, so every later step
 * (release, compensation, the reconciler) knows exactly what there is to undo.
 */
public record ManagedNumber(
    UUID id,
    OrgId orgId,
    Optional<E164Number> phoneNumber,
    Country country,
    NumberType numberType,
    Direction direction,
    NumberStatus status,
    Pence price,
    Optional<String> twilioAccountSid,
    Optional<String> twilioPhoneSid,
    Optional<String> vapiPhoneId,
    boolean charged,
    boolean vapiReleased,
    boolean twilioReleased,
    boolean refunded,
    Optional<String> failedStep,
    int attempts) {

  /** Release steps still to do, by their API names: vapi_release, twilio_release. */
  public List<String> pendingSteps() {
    List<String> steps = new ArrayList<>();
    if (!vapiReleased && (vapiPhoneId.isPresent() || phoneNumber.isPresent())) {
      steps.add(ReleaseStep.VAPI.wire());
    }
    if (!twilioReleased && (twilioPhoneSid.isPresent() || phoneNumber.isPresent())) {
      steps.add(ReleaseStep.TWILIO.wire());
    }
    return steps;
  }

  /** The 201 body of a provisioned number. */
  public Object toJson() {
    return Json.obj(
        "id", id.toString(),
        "phoneNumber", phoneNumber.map(E164Number::value).orElse(null),
        "direction", direction.wire(),
        "status", status.wire(),
        "vapiPhoneId", vapiPhoneId.orElse(null),
        "countryCode", country.wire(),
        "numberType", numberType.wire());
  }

  /** The external clean-up steps of a release or a compensation. */
  public enum ReleaseStep {
    VAPI("vapi_release"),
    TWILIO("twilio_release");

    private final String wire;

    ReleaseStep(String wire) {
      this.wire = wire;
    }

    public String wire() {
      return wire;
    }
  }
}
