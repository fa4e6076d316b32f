package io.switchboard.broker;

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
