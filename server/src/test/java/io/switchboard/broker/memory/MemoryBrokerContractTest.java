package io.switchboard.broker.memory;

import io.switchboard.broker.Broker;
import io.switchboard.broker.BrokerContractTest;

class MemoryBrokerContractTest extends BrokerContractTest {
    private final MemoryBroker broker = new MemoryBroker();

    @Override
    protected Broker newBroker() {
        return broker;
    }

    @Override
    protected boolean distributed() {
        return false;
    }
}
