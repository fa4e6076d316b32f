package io.switchboard.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OneOrMoreTest {

    @Test
    void holdsOneElementItselfAFewInACopiedSetAndManyInOneSetChangedInPlace() {
        Object held = OneOrMore.with(null, "s0");
        assertThat(held).isEqualTo("s0");
        assertThat(OneOrMore.with(held, "s0")).as("the same element again").isSameAs(held);

        List<String> added = new ArrayList<>(List.of("s0"));
        for (int i = 1; i < OneOrMore.COPIED_UP_TO; i++) {
            added.add("s" + i);
            Object before = held;
            held = OneOrMore.with(held, "s" + i);
            assertThat(held).as("a few: a new immutable set each time").isNotSameAs(before);
        }
        assertThat(OneOrMore.<String>elements(held)).containsExactlyInAnyOrderElementsOf(added);

        held = OneOrMore.with(held, "s" + OneOrMore.COPIED_UP_TO);
        Object many = held;
        for (int i = OneOrMore.COPIED_UP_TO + 1; i < 1000; i++) {
            held = OneOrMore.with(held, "s" + i);
            assertThat(held).as("many: the same set, changed in place").isSameAs(many);
        }
        assertThat(OneOrMore.<String>elements(held)).hasSize(1000).contains("s0", "s999");
        assertThat(OneOrMore.without(held, "missing")).isSameAs(many);

        for (int i = 0; i < 999; i++) {
            held = OneOrMore.without(held, "s" + i);
        }
        assertThat(OneOrMore.<String>elements(held)).containsExactly("s999");
        assertThat(OneOrMore.without(held, "s999")).as("none left").isNull();
    }

    @Test
    void aFewShrinkBackToTheElementItself() {
        Object held = OneOrMore.with(OneOrMore.with(OneOrMore.with(null, "a"), "b"), "c");
        assertThat(OneOrMore.<String>elements(held)).isEqualTo(Set.of("a", "b", "c"));
        assertThat(OneOrMore.without(held, "d")).as("not held").isSameAs(held);
        held = OneOrMore.without(OneOrMore.without(held, "a"), "c");
        assertThat(held).isEqualTo("b");
        assertThat(OneOrMore.without(held, "b")).isNull();
        assertThat(OneOrMore.elements(null)).isEmpty();
    }
}
